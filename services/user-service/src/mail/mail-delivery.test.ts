import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createServiceContext, type ServiceContext } from '../context.js';
import { openDatabase, type Database } from '../db/database.js';
import { mailOutbox } from '../db/schema.js';
import { createLogger } from '../logger.js';
import { testBackends, type TestBackend } from '../test-support/databases.js';
import { ManualClock } from '../test-support/manual-clock.js';
import { sampleValue } from '../test-support/prometheus.js';
import { DEFAULT_MAIL_SENDER_OPTIONS, MailSender } from './mail-sender.js';
import { MailOutbox, type OutgoingMail } from './outbox.js';
import { SmtpInbox } from './smtp-inbox.js';
import { smtpTransport } from './smtp-transport.js';

const FROM = 'Portcullis <no-reply@localhost>';

/** A reset mail whose link carries a token of its own, so a test can look for that token anywhere it must not be. */
function resetMail(): OutgoingMail & { token: string } {
  const token = randomBytes(24).toString('base64url');
  const to = `${randomBytes(6).toString('hex')}@example.com`;
  return {
    kind: 'password_reset',
    to,
    subject: `Reset your password ${token.slice(0, 6)}`,
    text: `Open http://localhost:3000/reset-password?token=${token} within 30 minutes.`,
    html: `<p><a href="http://localhost:3000/reset-password?token=${token}">Reset</a></p>`,
    token,
  };
}

interface Service {
  readonly context: ServiceContext;
  readonly clock: ManualClock;
  readonly logs: string[];
}

async function startService(database: Record<string, string>, smtpUrl: string): Promise<Service> {
  const clock = new ManualClock(1_800_000_000_000);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', SMTP_URL: smtpUrl, ...database });
  const context = await createServiceContext(config, { clock, logger: createLogger({ level: 'debug', destination }) });
  return { context, clock, logs };
}

async function rowOf(database: Database, mail: OutgoingMail) {
  const [row] = await database.db.select().from(mailOutbox).where(eq(mailOutbox.recipient, mail.to));
  return row;
}

async function scrape(service: Service): Promise<string> {
  return service.context.metrics.registry.metrics();
}

describe.each(testBackends())('mail delivery on $name', (backend: TestBackend) => {
  let database: { env: Record<string, string>; drop(): Promise<void> };
  // One service for the whole suite (a PGlite service takes seconds to start); its mail server is stopped, restarted on
  // the same port and told to refuse, as each test needs. Each test leaves nothing due behind for the next.
  let service: Service;
  let inbox: SmtpInbox;
  const running: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    database = await backend.create();
    inbox = await SmtpInbox.start();
    service = await startService(database.env, inbox.url);
  });

  afterEach(async () => {
    inbox.refuse(false);
    for (const part of running.splice(0).reverse()) await part.close();
  });

  afterAll(async () => {
    await service?.context.close();
    await inbox?.close();
    await database?.drop();
  });

  // PGlite in memory is one database per open: the tests that need two services sharing one run on PostgreSQL.
  const shared = backend.name === 'postgres';

  it('keeps mail queued while the mail server is down, retries with growing backoff, and delivers it once the server is back', async () => {
    const { port } = inbox;
    await inbox.close();
    const mail = resetMail();

    // The change that causes the mail commits with it, whatever the mail server's state.
    await service.context.database.db.transaction(async (tx) => {
      await service.context.mail.outbox.enqueue(tx, mail);
    });
    expect(await service.context.mail.sender.drainOnce()).toEqual({ sent: 0, failed: 0, retrying: 1 });
    const afterFirst = await rowOf(service.context.database, mail);
    expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1 });
    expect(afterFirst?.lastError).toMatch(/ECONNREFUSED/);
    expect(afterFirst?.nextAttemptAt.getTime()).toBe(service.clock.now() + DEFAULT_MAIL_SENDER_OPTIONS.firstBackoffSeconds * 1000);

    // Not due yet: nothing is attempted before the backoff has passed.
    expect(await service.context.mail.sender.drainOnce()).toEqual({ sent: 0, failed: 0, retrying: 0 });
    service.clock.advance(DEFAULT_MAIL_SENDER_OPTIONS.firstBackoffSeconds * 1000);
    expect(await service.context.mail.sender.drainOnce()).toEqual({ sent: 0, failed: 0, retrying: 1 });
    const afterSecond = await rowOf(service.context.database, mail);
    expect(afterSecond?.nextAttemptAt.getTime()).toBe(service.clock.now() + 2 * DEFAULT_MAIL_SENDER_OPTIONS.firstBackoffSeconds * 1000);

    inbox = await SmtpInbox.start({ port });
    service.clock.advance(2 * DEFAULT_MAIL_SENDER_OPTIONS.firstBackoffSeconds * 1000);
    expect(await service.context.mail.sender.drainOnce()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(SmtpInbox.token(await inbox.waitFor(mail.to), 'reset-password')).toBe(mail.token);
    expect(await rowOf(service.context.database, mail)).toMatchObject({ status: 'sent', attempts: 3, textBody: null, htmlBody: null });
    const metrics = await scrape(service);
    expect(sampleValue(metrics, 'portcullis_mail_failed_total', { kind: 'password_reset', final: 'false' })).toBe(2);
    expect(sampleValue(metrics, 'portcullis_mail_sent_total', { kind: 'password_reset' })).toBe(1);
  });

  it('gives a message up after the last attempt: failed, body wiped, audited as mail.failed and counted', async () => {
    inbox.refuse(true);
    const before = await scrape(service);
    const mail = resetMail();
    await service.context.mail.outbox.enqueue(service.context.database.db, mail);

    for (let attempt = 1; attempt < DEFAULT_MAIL_SENDER_OPTIONS.maxAttempts; attempt += 1) {
      expect(await service.context.mail.sender.drainOnce()).toEqual({ sent: 0, failed: 0, retrying: 1 });
      service.clock.advance(DEFAULT_MAIL_SENDER_OPTIONS.maxBackoffSeconds * 1000);
    }
    expect(await service.context.mail.sender.drainOnce()).toEqual({ sent: 0, failed: 1, retrying: 0 });

    const row = await rowOf(service.context.database, mail);
    expect(row).toMatchObject({ status: 'failed', attempts: DEFAULT_MAIL_SENDER_OPTIONS.maxAttempts, textBody: null, htmlBody: null });
    expect(row?.lastError).toMatch(/451/);
    const [event] = await service.context.audit.list({ type: 'mail.failed', limit: 10 });
    expect(event).toMatchObject({ type: 'mail.failed', reason: 'undeliverable', detail: { mailId: row?.id, kind: 'password_reset' } });
    const after = await scrape(service);
    const counted = (final: string) =>
      sampleValue(after, 'portcullis_mail_failed_total', { kind: 'password_reset', final }) -
      sampleValue(before, 'portcullis_mail_failed_total', { kind: 'password_reset', final });
    expect(counted('true')).toBe(1);
    expect(counted('false')).toBe(DEFAULT_MAIL_SENDER_OPTIONS.maxAttempts - 1);
    // Given up is given up: a later pass leaves it alone, and the server coming back does not revive it.
    inbox.refuse(false);
    service.clock.advance(DEFAULT_MAIL_SENDER_OPTIONS.maxBackoffSeconds * 1000);
    expect(await service.context.mail.sender.drainOnce()).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(inbox.to(mail.to)).toEqual([]);
  });

  it('never writes a message body, link, token or subject into the log, whether delivery fails or succeeds', async () => {
    const mails = [resetMail(), resetMail()];
    inbox.refuse(true);
    for (const mail of mails) await service.context.mail.outbox.enqueue(service.context.database.db, mail);
    expect(await service.context.mail.sender.drainOnce()).toMatchObject({ retrying: 2 });
    inbox.refuse(false);
    service.clock.advance(DEFAULT_MAIL_SENDER_OPTIONS.firstBackoffSeconds * 1000);
    expect(await service.context.mail.sender.drainOnce()).toMatchObject({ sent: 2 });

    const log = service.logs.join('');
    expect(log).toContain('mail delivery failed');
    for (const mail of mails) {
      expect(log).not.toContain(mail.token);
      expect(log).not.toContain(mail.subject);
    }
    expect(log).not.toContain('reset-password');
  });

  it('reports the outbox backlog to the metrics: how many wait and how long the oldest has waited', async () => {
    const waiting = sampleValue(await scrape(service), 'portcullis_mail_outbox_pending');
    // Queued but not delivered (no pass runs): it waits, and ages with the clock.
    await service.context.mail.outbox.enqueue(service.context.database.db, resetMail());
    service.clock.advance(90_000);
    const after = await scrape(service);
    expect(sampleValue(after, 'portcullis_mail_outbox_pending')).toBe(waiting + 1);
    expect(sampleValue(after, 'portcullis_mail_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(90);
  });

  it('holds mail when no mail server is configured: nothing is attempted, nothing is lost', async () => {
    const { database: db } = service.context;
    const held = new MailSender(new MailOutbox(db.db, service.clock), null, service.clock, createLogger({ level: 'silent' }), {
      sent: () => undefined,
      failed: () => undefined,
    });
    const mail = resetMail();
    await service.context.mail.outbox.enqueue(db.db, mail);
    expect(await held.drainOnce()).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(await rowOf(db, mail)).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
  });

  it.skipIf(!shared)('delivers each message exactly once when two service instances drain one outbox at the same time', async () => {
    const inbox = await SmtpInbox.start();
    running.push(inbox);
    const clock = new ManualClock(1_800_000_000_000);
    // An outbox of its own, so the count below is of these messages only.
    const own = await backend.create();
    running.push({ close: own.drop });
    const url = own.env.DATABASE_URL ?? '';
    const instances: Array<{ database: Database; sender: MailSender; outbox: MailOutbox }> = [];
    for (let instance = 0; instance < 2; instance += 1) {
      const opened = await openDatabase({ kind: 'postgres', url });
      running.push(opened);
      const outbox = new MailOutbox(opened.db, clock);
      // Small batches, so the two senders take turns claiming and race on the rows many times over.
      const sender = new MailSender(
        outbox,
        smtpTransport(inbox.url, FROM),
        clock,
        createLogger({ level: 'silent' }),
        { sent: () => undefined, failed: () => undefined },
        {
          ...DEFAULT_MAIL_SENDER_OPTIONS,
          batchSize: 3,
        },
      );
      instances.push({ database: opened, sender, outbox });
    }
    const [first, second] = instances;
    if (first === undefined || second === undefined) throw new Error('two instances were opened');
    const mails = Array.from({ length: 60 }, () => resetMail());
    for (const [index, mail] of mails.entries()) await (index % 2 === 0 ? first : second).outbox.enqueue(first.database.db, mail);

    const [one, other] = await Promise.all([first.sender.drainOnce(), second.sender.drainOnce()]);
    expect(one.sent + other.sent).toBe(mails.length);
    expect(one.sent).toBeGreaterThan(0);
    expect(other.sent).toBeGreaterThan(0);
    for (const mail of mails) expect(inbox.to(mail.to)).toHaveLength(1);
    const rows = await first.database.db
      .select()
      .from(mailOutbox)
      .where(
        inArray(
          mailOutbox.recipient,
          mails.map((mail) => mail.to),
        ),
      );
    expect(rows.map((row) => [row.status, row.attempts])).toEqual(mails.map(() => ['sent', 1]));
  });
});

describe.each(testBackends())('two senders sharing one database handle on $name', (backend) => {
  let database: Database;
  let drop: () => Promise<void>;
  let inbox: SmtpInbox;

  beforeAll(async () => {
    const created = await backend.create();
    drop = created.drop;
    database = await openDatabase('DATABASE_URL' in created.env ? { kind: 'postgres', url: created.env.DATABASE_URL ?? '' } : { kind: 'pglite', dataDir: 'memory://' });
    inbox = await SmtpInbox.start();
  });

  afterAll(async () => {
    await inbox.close();
    await database.close();
    await drop();
  });

  it('never sends a message twice when both pass over the outbox at once', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const senders = [0, 1].map(
      () =>
        new MailSender(
          new MailOutbox(database.db, clock),
          smtpTransport(inbox.url, FROM),
          clock,
          createLogger({ level: 'silent' }),
          { sent: () => undefined, failed: () => undefined },
          {
            ...DEFAULT_MAIL_SENDER_OPTIONS,
            batchSize: 2,
          },
        ),
    );
    const outbox = new MailOutbox(database.db, clock);
    const mails = Array.from({ length: 20 }, () => resetMail());
    for (const mail of mails) await outbox.enqueue(database.db, mail);
    const outcomes = await Promise.all(senders.map((sender) => sender.drainOnce()));
    expect(outcomes.reduce((sum, outcome) => sum + outcome.sent, 0)).toBe(mails.length);
    for (const mail of mails) expect(inbox.to(mail.to)).toHaveLength(1);
  });
});
