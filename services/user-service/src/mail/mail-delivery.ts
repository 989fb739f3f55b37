import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logger.js';
import { MailSender, type MailTransport } from './mail-sender.js';
import { MailOutbox } from './outbox.js';
import { smtpTransport } from './smtp-transport.js';

/** The outbox and its sender, built from the configuration. */
export interface MailDelivery {
  readonly outbox: MailOutbox;
  readonly sender: MailSender;
  close(): void;
}

export function createMailDelivery(config: Config, parts: { db: Db; clock: Clock; logger: Logger; audit: AuditLog }): MailDelivery {
  const { db, clock, logger, audit } = parts;
  const outbox = new MailOutbox(db, clock);
  const transport = config.mail.smtpUrl === undefined ? heldTransport() : smtpTransport(config.mail.smtpUrl, config.mail.from);
  const sender = new MailSender(outbox, transport, clock, logger, {
    sent: () => undefined,
    failed: (mail, error, final) => {
      if (final) void audit.record({ type: 'mail.failed', reason: 'undeliverable', detail: { mailId: mail.id, kind: mail.kind, error } });
    },
  });
  return {
    outbox,
    sender,
    close() {
      sender.stop();
      transport.close();
    },
  };
}

/** With no mail server configured, messages wait in the outbox until one is. */
function heldTransport(): MailTransport {
  return {
    send: () => Promise.reject(new Error('no mail server is configured (SMTP_URL)')),
    close: () => undefined,
  };
}
