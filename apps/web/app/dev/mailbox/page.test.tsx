import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailText, mailTextParts } from './mail-text';
import DevMailboxPage from './page';

const id = '001800000000000-0000abcd';
const link = `http://localhost:3000/verify-email?token=tok-${'x'.repeat(20)}`;

function open(search: Record<string, string> = {}) {
  return DevMailboxPage({ searchParams: Promise.resolve(search) });
}

describe('the /dev/mailbox page', () => {
  let directory: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'portcullis-dev-mailbox-page-'));
    const text = `Welcome.\nConfirm your address: ${link}\nThe link works for 24 hours.`;
    await writeFile(
      join(directory, `${id}.json`),
      JSON.stringify({ id, receivedAt: 1_800_000_000_000, from: 'Portcullis <no-reply@localhost>', to: 'ada@example.com', subject: 'Verify your email', text }),
    );
    return () => rm(directory, { recursive: true, force: true });
  });

  afterEach(() => {
    process.env = { ...saved };
  });

  it('is a 404 unless the development start named the mailbox directory', async () => {
    process.env = { ...saved, NEXTAUTH_SECRET: 's'.repeat(32) };
    delete process.env.DEV_MAILBOX_DIR;
    await expect(open()).rejects.toMatchObject({ digest: expect.stringContaining('404') });
  });

  it('lists the mail and opens one with its link clickable', async () => {
    process.env = { ...saved, NEXTAUTH_SECRET: 's'.repeat(32), DEV_MAILBOX_DIR: directory };
    const list = renderToStaticMarkup(await open());
    expect(list).toContain('ada@example.com');
    expect(list).toContain(`href="/dev/mailbox?id=${id}"`);
    const shown = renderToStaticMarkup(await open({ id }));
    expect(shown).toContain('<h2 id="message-subject">Verify your email</h2>');
    expect(shown).toContain(`<a href="${link.replace(/&/g, '&amp;')}" rel="noreferrer">`);
    expect(renderToStaticMarkup(await open({ id: '../secrets' }))).toContain('No such message.');
  });
});

describe('links in a mail text', () => {
  it('splits the text into plain parts and the http(s) links, nothing else', () => {
    expect(mailTextParts('Reset: https://app.example.com/reset-password?token=abc.\nIgnore javascript:alert(1) and ftp://x')).toEqual([
      { kind: 'text', value: 'Reset: ' },
      { kind: 'link', value: 'https://app.example.com/reset-password?token=abc' },
      { kind: 'text', value: '.\nIgnore javascript:alert(1) and ftp://x' },
    ]);
  });

  it('escapes the rest of the text instead of reading it as markup', () => {
    expect(renderToStaticMarkup(<MailText text={'<img src=x onerror=alert(1)>'} />)).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
