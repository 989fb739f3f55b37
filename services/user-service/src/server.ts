import { systemClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { buildApp } from './app.js';
import { createServiceContext } from './context.js';
import { createLogger } from './logger.js';
import { startDevelopmentMailbox, withMailServer } from './mail/development-mailbox.js';
import { DEFAULT_PRUNE_OPTIONS, SessionPruner } from './sessions/session-pruner.js';
import { seedDemoUsers } from './users/demo-users.js';

/** The only place that reads `process.env`. */
function configFromEnvironment(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const configured = configFromEnvironment();
const logger = createLogger({ level: configured.logLevel });
const developmentMailbox = await startDevelopmentMailbox(configured, logger);
const config = developmentMailbox === undefined ? configured : withMailServer(configured, developmentMailbox.url);
const context = await createServiceContext(config, { clock: systemClock, logger });
if (config.demoPassword !== undefined && config.env !== 'production') {
  await seedDemoUsers(context.users, context.passwords, config.demoPassword);
  logger.info({ users: ['alice@example.com', 'maria@example.com', 'adam@example.com'] }, 'demo users ready');
}
context.alerts.start(config.alerts.scanIntervalSeconds);
const pruner = new SessionPruner(context.database.db, systemClock, logger, { ...DEFAULT_PRUNE_OPTIONS, retentionSeconds: config.prune.retentionSeconds });
pruner.start(config.prune.intervalSeconds);
// Retries and mail queued by other instances; mail queued here is sent at once (`kick`).
context.mail.sender.start(5);
context.mail.sender.kick();
const app = await buildApp(context);
await app.listen({ host: config.host, port: config.port });
logger.info({ database: context.database.kind, issuer: config.issuer }, 'user-service listening');

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  pruner.stop();
  await app.close();
  await pruner.settled();
  await context.close();
  await developmentMailbox?.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
