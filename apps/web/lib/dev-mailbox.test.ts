import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevMailboxMessage } from '@portcullis/contracts';
import { listDevMail, readDevMail } from './dev-mailbox';
import { parseEnv } from './env';

function message(receivedAt: number, subject: string): DevMailboxMessage {
  return {
    id: `${String(receivedAt).padStart(15, '0')}-0000abcd`,
    receivedAt,
    from: 'Portcullis <no-reply@localhost>',
    to: 'ada@example.com',
    subject,
    text: `Open http://localhost:3000/verify-email?token=t-${receivedAt}`,
  };
}

describe('the development mailbox as the web app reads it', () => {
  let directory: string;
  const older = message(1_800_000_000_000, 'Invitation');
  const newer = message(1_800_000_060_000, 'Verify your email');

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'portcullis-dev-mailbox-'));
    for (const mail of [older, newer]) await writeFile(join(directory, `${mail.id}.json`), JSON.stringify(mail));
    // What is not a message of the service's is passed over: a file half written, a stranger's file, a broken one.
    await writeFile(join(directory, `.${newer.id}.partial`), '{');
    await writeFile(join(directory, 'notes.json'), '{}');
    await writeFile(join(directory, '000000000000001-0000abcd.json'), '{not json');
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('lists the messages newest first', async () => {
    expect((await listDevMail(directory)).map((mail) => mail.subject)).toEqual(['Verify your email', 'Invitation']);
    expect(await listDevMail(directory, 1)).toEqual([newer]);
  });

  it('opens one message by its id, and nothing for an id that is not one', async () => {
    expect(await readDevMail(directory, older.id)).toEqual(older);
    expect(await readDevMail(directory, '000000000000002-0000abcd')).toBeNull();
    for (const hostile of ['../../etc/passwd', `${older.id}/../${older.id}`, 'notes', '']) expect(await readDevMail(directory, hostile)).toBeNull();
  });

  it('reads a mailbox the service has not created yet as empty', async () => {
    expect(await listDevMail(join(directory, 'not-yet'))).toEqual([]);
  });

  it('exists only when the start script names its directory', () => {
    const base = { NEXTAUTH_SECRET: 's'.repeat(32) };
    expect(parseEnv(base).devMailboxDir).toBeUndefined();
    expect(parseEnv({ ...base, DEV_MAILBOX_DIR: directory }).devMailboxDir).toBe(directory);
  });
});
