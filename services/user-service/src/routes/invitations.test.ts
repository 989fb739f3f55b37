import type { TokenResponse } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpInbox, type ReceivedMail } from '../mail/smtp-inbox.js';
import { createTestAccount } from '../test-support/accounts.js';
import { freshAddress, freshEmail, PUBLIC_APP_URL, startAccountFlowService, type AccountFlowService } from '../test-support/account-flows.js';
import { testBackends } from '../test-support/databases.js';
import { ADAM, ALICE, DEMO_PASSWORD } from '../test-support/harness.js';

const PASSWORD = 'the invitee chose this passphrase';
const INVITATION_TTL_SECONDS = 3 * 86_400;
const STEP_UP_SECONDS = 300;

const isInvitation = (mail: ReceivedMail) => mail.subject.startsWith('You are invited');

describe.each(testBackends())('invitations over HTTP on $name', (backend) => {
  let service: AccountFlowService;

  beforeAll(async () => {
    service = await startAccountFlowService(backend, { INVITATION_TTL: String(INVITATION_TTL_SECONDS), STEP_UP_MAX_AGE: String(STEP_UP_SECONDS) });
  });

  afterAll(async () => {
    await service?.close();
  });

  /** An admin who confirmed the password just now (tests move the clock, so each asks anew). */
  async function steppedUpAdmin(): Promise<TokenResponse> {
    const admin = await service.instance.login(ADAM);
    expect((await service.post('/v1/auth/step-up', { password: DEMO_PASSWORD }, { token: admin.accessToken })).status).toBe(200);
    return admin;
  }

  async function invite(email: string, role = 'USER', token?: string): Promise<Response> {
    return service.post('/v1/users/invitations', { email, role }, { token: token ?? (await steppedUpAdmin()).accessToken });
  }
  const accept = (token: string, password = PASSWORD, name = 'Invited Person') => service.post('/v1/auth/invitations/accept', { token, password, name });

  /** The token of the `index`-th invitation mailed to the address. */
  async function invitationToken(email: string, index = 0): Promise<string> {
    const mail = await service.inbox.waitFor(email, (received) => isInvitation(received) && service.inbox.to(email).filter(isInvitation).indexOf(received) === index);
    return SmtpInbox.token(mail, 'accept-invitation');
  }

  it('invites an address: 201 {id}, a mailed link to PUBLIC_APP_URL, and after accepting a sign-in with the role given', async () => {
    const email = freshEmail('invitee');
    const created = await invite(email, 'MANAGER');
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const mail = await service.inbox.waitFor(email, isInvitation);
    const link = SmtpInbox.link(mail, 'accept-invitation');
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_APP_URL}/accept-invitation`);
    expect(mail.text).toContain(`for ${INVITATION_TTL_SECONDS / 3600} hours`);
    // Nobody signs in to an invitation that is not answered yet.
    const early = await service.instance.request('/v1/auth/login', { method: 'POST', json: { email, password: PASSWORD } });
    expect(early.status).toBe(401);

    expect((await accept(SmtpInbox.token(mail, 'accept-invitation'))).status).toBe(204);
    const session = await service.instance.login(email, PASSWORD);
    expect(session.user).toMatchObject({ id, email, name: 'Invited Person', role: 'MANAGER' });
  });

  it('sends a new link when an unanswered invitation is sent again, and only the newest works', async () => {
    const email = freshEmail('reinvited');
    const first = (await (await invite(email)).json()) as { id: string };
    const again = await invite(email, 'ADMIN');
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(first);
    const [older, newer] = [await invitationToken(email, 0), await invitationToken(email, 1)];
    expect((await accept(older)).status).toBe(400);
    expect((await accept(newer)).status).toBe(204);
    expect((await service.instance.login(email, PASSWORD)).user.role).toBe('ADMIN');
  });

  it('refuses to invite an address that already has an account with 409 conflict', async () => {
    const account = await createTestAccount(service.instance);
    const response = await invite(account.email);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'conflict' });
    expect((await invite(ALICE.toUpperCase())).status).toBe(409);
  });

  it('refuses an admin without a fresh step-up, a USER, and anyone signed out', async () => {
    const stale = await steppedUpAdmin();
    service.instance.clock.advance(STEP_UP_SECONDS * 1000 + 1000);
    const notFresh = await invite(freshEmail('stale'), 'USER', stale.accessToken);
    expect(notFresh.status).toBe(401);
    expect(await notFresh.json()).toMatchObject({ error: 'insufficient_user_authentication' });
    const alice = await service.instance.login(ALICE);
    expect((await invite(freshEmail('by-user'), 'USER', alice.accessToken)).status).toBe(403);
    expect((await service.post('/v1/users/invitations', { email: freshEmail('anonymous'), role: 'USER' })).status).toBe(401);
  });

  it('refuses a weak password with 400 weak_password and leaves the link working', async () => {
    const email = freshEmail('weak');
    await invite(email);
    const token = await invitationToken(email);
    const weak = await accept(token, 'short');
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ error: 'weak_password' });
    expect((await accept(token)).status).toBe(204);
  });

  it("refuses a reused, a tampered, an expired and another purpose's token with 400 invalid_token", async () => {
    const email = freshEmail('spent');
    const { id } = (await (await invite(email)).json()) as { id: string };
    const token = await invitationToken(email);
    expect((await accept(token)).status).toBe(204);
    for (const bad of [token, `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`]) {
      const response = await accept(bad);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    }
    const { token: reset } = await service.instance.context.accountTokens.issue(service.instance.context.database.db, {
      userId: id,
      purpose: 'password_reset',
      ttlSeconds: 600,
    });
    expect((await accept(reset)).status).toBe(400);

    const late = freshEmail('late');
    await invite(late);
    const lateToken = await invitationToken(late);
    service.instance.clock.advance(INVITATION_TTL_SECONDS * 1000 + 1000);
    expect((await accept(lateToken)).status).toBe(400);
  });

  it('audits the invitation and its acceptance, and neither the audit trail nor the log holds the token or the password', async () => {
    const email = freshEmail('audited');
    const admin = await steppedUpAdmin();
    const { id } = (await (await invite(email, 'USER', admin.accessToken)).json()) as { id: string };
    const token = await invitationToken(email);
    expect((await accept(token)).status).toBe(204);
    const trail = await service.instance.context.audit.list({ userId: id, limit: 20 });
    expect(trail.map((event) => `${event.type}:${event.reason ?? ''}`)).toEqual(expect.arrayContaining(['account.invited:invited', 'account.invitation_accepted:']));
    expect(trail.find((event) => event.type === 'account.invited')?.detail).toMatchObject({ by: admin.user.id, role: 'USER' });
    const written = `${JSON.stringify(trail)}${service.instance.logs.join('')}`;
    expect(written).not.toContain(token);
    expect(written).not.toContain(PASSWORD);
  });

  it('sends one address at most ACCOUNT_MAIL_MAX_PER_EMAIL invitations an hour, then answers 429', async () => {
    const email = freshEmail('flooded');
    const limit = service.instance.context.config.accountThrottle.maxMailsPerEmail;
    for (let sent = 0; sent < limit; sent += 1) expect((await invite(email)).status).toBe(201);
    const refused = await invite(email);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
  });

  it('answers the invitation page from one address at most ACCOUNT_FLOW_MAX_PER_IP times per window', async () => {
    const from = freshAddress();
    const limit = service.instance.context.config.accountThrottle.maxPerIp;
    for (let attempt = 0; attempt < limit; attempt += 1)
      expect((await service.post('/v1/auth/invitations/accept', { token: 'i'.repeat(43), password: PASSWORD, name: 'X' }, { from })).status).toBe(400);
    expect((await service.post('/v1/auth/invitations/accept', { token: 'i'.repeat(43), password: PASSWORD, name: 'X' }, { from })).status).toBe(429);
  });
});
