import { AuditLog } from '../audit/audit-log.js';
import { systemClock } from '../clock.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';

/** Opens the configured database for a command-line tool; exits with a readable message on bad configuration. */
export async function openCliDatabase(): Promise<{ config: Config; database: Database }> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  try {
    return { config, database: await openDatabase(config.database) };
  } catch (error) {
    const hint = config.database.kind === 'pglite' ? ' (PGlite allows one process at a time: stop the user-service first, or use DATABASE_URL)' : '';
    fail(`Cannot open the database${hint}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export { systemClock };

/** Administrative changes made from the command line land in the same audit trail as those made over HTTP. */
export function cliAuditLog(database: Database): AuditLog {
  return new AuditLog(database.db, systemClock, createLogger({ level: 'warn', destination: process.stderr }), createMetrics());
}
