import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { SmtpInbox } from './smtp-inbox.js';

/** Where the development mailbox keeps its messages: `mailbox/` in the embedded database's DATA_DIR; in memory otherwise. */
export function developmentMailboxDirectory(config: Config): string | undefined {
  const { database } = config;
  return database.kind === 'pglite' && !database.dataDir.startsWith('memory://') ? join(database.dataDir, 'mailbox') : undefined;
}

/**
 * The mail server to use when SMTP_URL is unset. Outside production: a real SMTP server on loopback that keeps each
 * message in DATA_DIR for the web app's /dev/mailbox page, so the mail flows can be completed on one machine. In
 * production: none; mail waits in the outbox (nothing is lost) until SMTP_URL is set, and the start-up log says so,
 * as does the outbox age in the metrics. It is never started in production: its messages hold live links.
 */
export async function startDevelopmentMailbox(config: Config, logger: Logger): Promise<SmtpInbox | undefined> {
  if (config.mail.smtpUrl !== undefined) return undefined;
  if (config.env === 'production') {
    logger.warn('SMTP_URL is unset: mail is kept in the outbox and sent once a mail server is configured (docs/mail.md)');
    return undefined;
  }
  const directory = developmentMailboxDirectory(config);
  const inbox = await SmtpInbox.start(directory === undefined ? {} : { directory });
  logger.info({ smtp: inbox.url, directory: directory ?? 'memory' }, 'development mailbox: mail goes to a local SMTP server, readable at /dev/mailbox in the web app');
  return inbox;
}

/** The configuration with the development mailbox as its mail server. */
export function withMailServer(config: Config, smtpUrl: string): Config {
  return Object.freeze({ ...config, mail: Object.freeze({ ...config.mail, smtpUrl }) });
}
