import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database.js';
import { mailOutbox } from '../db/schema.js';
import { createLogger } from '../logger.js';
import { testBackends } from '../test-support/databases.js';
import { ManualClock } from '../test-support/manual-clock.js';
import { SmtpInbox } from './smtp-inbox.js';
import { DEFAULT_MAIL_SENDER_OPTIONS, MailSender, type DeliveryListener } from './mail-sender.js';
import { MailOutbox, type OutgoingMail } from './outbox.js';
import { smtpTransport } from './smtp-transport.js';

const quiet = createLogger({ level: 'silent' });
const noListener: DeliveryListener = { sent: () => undefined, failed: () => undefined };

function resetMail(to: string): OutgoingMail {
  return { kind: 'password_reset', to, subject: 'Reset your password', text: 'Open http://localhost:3000/reset-password?token=abc', html: '<p>reset</p>' };
}

describe.each(testBackends())('the mail outbox on $name', (backend) => {
  const clock = new ManualClock(1_800_000_000_000);
  let drop: () => Promise<void>;
  let database: Database;
  let inbox: SmtpInbox;
  let outbox: MailOutbox;

  beforeAll(async () => {
    const created = await backend.create();
    drop = created.drop;
    database = await openDatabase('DATABASE_URL' in created.env ? { kind: 'postgres', url: created.env.DATABASE_URL ?? '' } : { kind: 'pglite', dataDir: 'memory://' });
    inbox = await SmtpInbox.start();
    outbox = new MailOutbox(database.db, clock);
  });

  afterAll(async () => {
    await inbox.close();
    await database.close();
    await drop();
  });

  it('delivers a queued message through a real SMTP server and wipes its body once sent', async () => {
    const sender = new MailSender(outbox, smtpTransport(inbox.url, 'Portcullis <no-reply@localhost>'), clock, quiet, noListener);
    await outbox.enqueue(database.db, resetMail('first@example.com'));
    expect(await sender.drainOnce()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    const received = await inbox.waitFor('first@example.com');
    expect(SmtpInbox.token(received, 'reset-password')).toBe('abc');
    const [row] = await database.db.select().from(mailOutbox).where(eq(mailOutbox.recipient, 'first@example.com'));
    expect(row).toMatchObject({ status: 'sent', textBody: null, htmlBody: null, attempts: 1 });
  });

  it('retries a message the server refused after a backoff, and sends it once the server is back', async () => {
    const sender = new MailSender(outbox, smtpTransport(inbox.url, 'Portcullis <no-reply@localhost>'), clock, quiet, noListener);
    inbox.refuse(true);
    await outbox.enqueue(database.db, resetMail('retry@example.com'));
    expect(await sender.drainOnce()).toEqual({ sent: 0, failed: 0, retrying: 1 });
    inbox.refuse(false);
    expect(await sender.drainOnce()).toEqual({ sent: 0, failed: 0, retrying: 0 });
    clock.advance(DEFAULT_MAIL_SENDER_OPTIONS.firstBackoffSeconds * 1000);
    expect(await sender.drainOnce()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(inbox.to('retry@example.com')).toHaveLength(1);
  });
});
