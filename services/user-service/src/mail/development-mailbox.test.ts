import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devMailboxMessageSchema } from '@portcullis/contracts';
import { loadConfig } from '../config.js';
import { createServiceContext } from '../context.js';
import { createLogger } from '../logger.js';
import { ManualClock } from '../test-support/manual-clock.js';
import { developmentMailboxDirectory, startDevelopmentMailbox, withMailServer } from './development-mailbox.js';

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

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portcullis-mailbox-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('takes the place of SMTP_URL outside production: the service sends to it, and each message lands in DATA_DIR/mailbox as a file only its owner reads', async () => {
    const configured = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const { logger, lines } = capturedLogger();
    const mailbox = await startDevelopmentMailbox(configured, logger);
    if (mailbox === undefined) throw new Error('the development mailbox did not start');
    expect(lines.join('')).toContain('development mailbox');
    const context = await createServiceContext(withMailServer(configured, mailbox.url), { clock: new ManualClock(), logger: createLogger({ level: 'silent' }) });
    try {
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
    } finally {
      await context.close();
      await mailbox.close();
    }
  });

  it('keeps messages in memory when DATA_DIR is memory:// or the database is PostgreSQL', () => {
    expect(developmentMailboxDirectory(loadConfig({ DATA_DIR: 'memory://' }))).toBeUndefined();
    expect(developmentMailboxDirectory(loadConfig({ DATABASE_URL: 'postgres://localhost/portcullis' }))).toBeUndefined();
    expect(developmentMailboxDirectory(loadConfig({ DATA_DIR: '/var/lib/portcullis' }))).toBe('/var/lib/portcullis/mailbox');
  });

  it('never runs in production: with SMTP_URL unset mail waits in the outbox, and the start-up log says so', async () => {
    const { logger, lines } = capturedLogger();
    const production = loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, ISSUER: 'https://login.example.com' });
    expect(await startDevelopmentMailbox(production, logger)).toBeUndefined();
    expect(lines.join('')).toMatch(/SMTP_URL is unset: mail is kept in the outbox/);
  });

  it('stays out of the way when a mail server is configured', async () => {
    const { logger } = capturedLogger();
    expect(await startDevelopmentMailbox(loadConfig({ SMTP_URL: 'smtp://mail.example.com:587' }), logger)).toBeUndefined();
  });
});
