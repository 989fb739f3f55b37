import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { MailSender } from './mail-sender.js';
import type { MailOutbox } from './outbox.js';
import { smtpTransport } from './smtp-transport.js';

/** The outbox and its sender, built from the configuration. */
export interface MailDelivery {
  readonly outbox: MailOutbox;
  readonly sender: MailSender;
  /** Stops the timer, lets a pass in progress finish, then closes the connection to the mail server. */
  close(): Promise<void>;
}

/**
 * With no SMTP_URL the sender holds every message in the outbox until a mail server is configured (server.ts runs the
 * development mailbox in its place outside production); the metrics' outbox age shows how long they have waited.
 */
export function createMailDelivery(config: Config, parts: { outbox: MailOutbox; clock: Clock; logger: Logger; audit: AuditLog; metrics: Metrics }): MailDelivery {
  const { outbox, clock, logger, audit, metrics } = parts;
  const transport = config.mail.smtpUrl === undefined ? null : smtpTransport(config.mail.smtpUrl, config.mail.from);
  const sender = new MailSender(outbox, transport, clock, logger, {
    sent: (mail) => metrics.mailSent.inc({ kind: mail.kind }),
    failed: async (mail, error, final) => {
      metrics.mailFailed.inc({ kind: mail.kind, final: String(final) });
      // Only a message given up is an event for the audit trail; a retry is the outbox doing its work.
      if (final) await audit.record({ type: 'mail.failed', reason: 'undeliverable', detail: { mailId: mail.id, kind: mail.kind, error } });
    },
  });
  return {
    outbox,
    sender,
    async close() {
      sender.stop();
      await sender.settled();
      transport?.close();
    },
  };
}
