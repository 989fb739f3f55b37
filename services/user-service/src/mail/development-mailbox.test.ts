import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devMailboxMessageSchema } from '@portcullis/contracts';
import { loadConfig } from '../config.js';
import { createServiceContext, type ServiceContext } from '../context.js';
import { createLogger } from '../logger.js';
import { ManualClock } from '../test-support/manual-clock.js';
import { developmentMailboxDirectory, startDevelopmentMailbox, withMailServer } from './development-mailbox.js';
import type { SmtpInbox } from './smtp-inbox.js';

function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('the development mailbox', () => {
  let dataDir: string;
  let mailbox: SmtpInbox | undefined;
  let context: ServiceContext;
  const startLog = capturedLogger();

  // A service on an embedded database on disk takes seconds to start: once, before the tests.
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portcullis-mailbox-'));
    const configured = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    mailbox = await startDevelopmentMailbox(configured, startLog.logger);
    if (mailbox === undefined) throw new Error('the development mailbox did not start');
    context = await createServiceContext(withMailServer(configured, mailbox.url), { clock: new ManualClock(), logger: createLogger({ level: 'silent' }) });
  });

  afterAll(async () => {
    await context?.close();
    await mailbox?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('takes the place of SMTP_URL outside production: the service sends to it, and each message lands in DATA_DIR/mailbox as a file only its owner reads', async () => {
    expect(startLog.lines.join('')).toContain('development mailbox');
    const to = `${randomBytes(6).toString('hex')}@example.com`;
    await context.mail.outbox.enqueue(context.database.db, context.mailTemplates.passwordReset(to, { token: 'a-reset-token', validMinutes: 30 }));
    expect(await context.mail.sender.drainOnce()).toMatchObject({ sent: 1 });
    const directory = join(dataDir, 'mailbox');
    const files = (await readdir(directory)).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(1);
    const kept = devMailboxMessageSchema.parse(JSON.parse(await readFile(join(directory, files[0] ?? ''), 'utf8')));
    expect(kept).toMatchObject({ to, id: files[0]?.replace(/\.json$/, '') });
    expect(kept.text).toContain('/reset-password?token=a-reset-token');
    expect((await stat(join(directory, files[0] ?? ''))).mode & 0o077).toBe(0);
    expect((await stat(directory)).mode & 0o077).toBe(0);
  });

  it('keeps messages in memory when DATA_DIR is memory:// or the database is PostgreSQL', () => {
    expect(developmentMailboxDirectory(loadConfig({ DATA_DIR: 'memory://' }))).toBeUndefined();
    expect(developmentMailboxDirectory(loadConfig({ DATABASE_URL: 'postgres://localhost/portcullis' }))).toBeUndefined();
    expect(developmentMailboxDirectory(loadConfig({ DATA_DIR: '/var/lib/portcullis' }))).toBe('/var/lib/portcullis/mailbox');
  });

  it('never runs in production: with SMTP_URL unset mail waits in the outbox, and the start-up log says so', async () => {
    const { logger, lines } = capturedLogger();
    const production = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: '/var/lib/portcullis',
      ISSUER: 'https://login.example.com',
      MFA_ENCRYPTION_KEY: 'sLLcB4dcgC-vdYQ3EJ2BXwTTWSaUuTgCPdAMNK7WV5o',
    });
    expect(await startDevelopmentMailbox(production, logger)).toBeUndefined();
    expect(lines.join('')).toMatch(/SMTP_URL is unset: mail is kept in the outbox/);
  });

  it('stays out of the way when a mail server is configured', async () => {
    const { logger } = capturedLogger();
    expect(await startDevelopmentMailbox(loadConfig({ SMTP_URL: 'smtp://mail.example.com:587' }), logger)).toBeUndefined();
  });
});
