import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody, MailDeliveryStatus, TokenResponse } from '@portcullis/contracts';
import { testBackends } from '../test-support/databases.js';
import { ADAM, ALICE, MARIA, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { SmtpInbox } from '../mail/smtp-inbox.js';

describe.each(testBackends())('the mail delivery status for admins on $name', (backend) => {
  let instance: TestInstance;
  let inbox: SmtpInbox;
  let adam: TokenResponse;
  const token = randomBytes(24).toString('base64url');
  const delivered = `delivered-${randomBytes(6).toString('hex')}@example.com`;
  const waiting = `waiting-${randomBytes(6).toString('hex')}@example.com`;

  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    instance = await startTestInstance(backend, { SMTP_URL: inbox.url });
    adam = await instance.login(ADAM);
    const { outbox, sender } = instance.context.mail;
    const mail = (to: string) => ({
      kind: 'password_reset' as const,
      to,
      subject: 'Reset',
      text: `http://localhost:3000/reset-password?token=${token}`,
      html: `<a>${token}</a>`,
    });
    await outbox.enqueue(instance.context.database.db, mail(delivered));
    await sender.drainOnce();
    inbox.refuse(true);
    await outbox.enqueue(instance.context.database.db, mail(waiting));
    await sender.drainOnce();
    instance.clock.advance(60_000);
  });

  afterAll(async () => {
    await instance?.close();
    await inbox?.close();
  });

  it('shows an admin the counts, how long the oldest pending message has waited and the latest messages, newest first', async () => {
    const response = await instance.request('/v1/admin/mail?limit=5', { token: adam.accessToken });
    expect(response.status).toBe(200);
    const status = (await response.json()) as MailDeliveryStatus;
    expect(status.counts).toEqual({ pending: 1, sent: 1, failed: 0 });
    expect(status.oldestPendingSeconds).toBe(60);
    expect(status.recent.map((mail) => [mail.recipient, mail.status, mail.attempts])).toEqual([
      [waiting, 'pending', 1],
      [delivered, 'sent', 1],
    ]);
    expect(status.recent[0]?.lastError).toMatch(/451/);
    expect(status.recent[1]?.sentAt).toEqual(expect.any(Number));
  });

  it('never shows the content of a message, only that it was sent', async () => {
    const response = await instance.request('/v1/admin/mail', { token: adam.accessToken });
    const text = await response.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain('Reset');
    expect(Object.keys(((JSON.parse(text) as MailDeliveryStatus).recent[0] ?? {}) as object).sort()).toEqual(
      ['attempts', 'createdAt', 'id', 'kind', 'lastError', 'recipient', 'sentAt', 'status'].sort(),
    );
  });

  it('refuses users and managers (403) and callers without a token (401)', async () => {
    for (const email of [ALICE, MARIA]) {
      const { accessToken } = await instance.login(email);
      const response = await instance.request('/v1/admin/mail', { token: accessToken });
      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorBody).error).toBe('insufficient_scope');
    }
    expect((await instance.request('/v1/admin/mail')).status).toBe(401);
  });

  it('answers a limit out of range with 400 invalid_request', async () => {
    for (const limit of ['0', '201', 'many']) {
      const response = await instance.request(`/v1/admin/mail?limit=${limit}`, { token: adam.accessToken });
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error).toBe('invalid_request');
    }
  });
});
