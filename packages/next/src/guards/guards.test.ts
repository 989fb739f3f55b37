import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import { ATTESTATION_HEADER } from '../session/proxy-attestation.js';
import { APP_CREDENTIAL_HEADER } from '@portcullis/contracts';
import { APP, APP_CREDENTIAL, AuthHarness } from '../test-support/auth-harness.js';

let h: AuthHarness;
beforeEach(async () => {
  h = await new AuthHarness().start();
});
afterEach(async () => {
  await h.stop();
});

describe('guards', () => {
  it('requireSession refuses a request without a session with a 401 error', async () => {
    await expect(h.auth.requireSession()).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(h.auth.requireSession()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('gives server code the session without tokens, and the access token only through getAccessToken', async () => {
    const { cookie, token } = await h.signIn('ADMIN');
    await h.throughProxy(cookie);
    const session = await h.auth.requireSession();
    expect(session.user).toEqual({ id: token.sub, email: token.email, name: token.name, role: 'ADMIN' });
    expect(JSON.stringify(session)).not.toContain(token.accessToken);
    expect(JSON.stringify(session)).not.toContain(token.refreshToken);
    expect(await h.auth.getAccessToken()).toBe(token.accessToken);
  });

  it('requireRole refuses a USER with 403 and reports the denial to the audit trail with their token and the app credential', async () => {
    const { cookie, token } = await h.signIn('USER');
    await h.throughProxy(cookie);
    const denial = h.auth.requireRole('ADMIN');
    await expect(denial).rejects.toBeInstanceOf(ForbiddenError);
    await expect(denial).rejects.toMatchObject({ status: 403 });
    const reports = h.backend.callsTo('/v1/audit/denials');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.headers.authorization).toBe(`Bearer ${token.accessToken}`);
    // Only the app may report denials: the user-service refuses a report without its credential.
    expect(reports[0]?.headers[APP_CREDENTIAL_HEADER]).toBe(APP_CREDENTIAL);
    expect(reports[0]?.body).toEqual({ resource: '/admin', requiredRole: 'ADMIN' });
  });

  it('requireScope checks the scope, not the role', async () => {
    const { cookie } = await h.signIn('USER');
    await h.throughProxy(cookie);
    await expect(h.auth.requireScope('sessions:manage')).resolves.toMatchObject({ user: { role: 'USER' } });
    await expect(h.auth.requireScope('users:admin')).rejects.toMatchObject({ requiredScope: 'users:admin' });
  });

  it('does not trust a request the proxy did not attest: it asks the backend and refuses a revoked session', async () => {
    const { cookie, token } = await h.signIn('ADMIN');
    h.requestHeaders = new Headers({ cookie, [ATTESTATION_HEADER]: 'v1.1.forged' });
    await expect(h.auth.requireSession()).resolves.toMatchObject({ sid: token.sid });
    expect(h.backend.callsTo('/v1/auth/session')).toHaveLength(1);

    const session = h.backend.sessions.get(token.sid);
    if (session) session.revoked = true;
    h.clock.advance(5_000);
    await expect(h.auth.requireSession()).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe('forgetSession', () => {
  it('expires every auth cookie and refuses the session in this process at once', async () => {
    h.backend.accessTokenTtlMs = 60_000;
    const { cookie } = await h.signIn();
    await h.throughProxy(cookie);
    await h.auth.forgetSession();
    expect(h.expiredCookies).toEqual(['__Host-next-auth.session-token', '__Host-next-auth.csrf-token', '__Secure-next-auth.callback-url']);
    const replay = await h.auth.proxy(h.request('/', { cookie }));
    expect(replay.headers.get('location')).toContain('error=SessionExpired');
  });
});

describe('protectedAction', () => {
  const changeRole = () =>
    h.auth.protectedAction(
      { role: 'ADMIN', resource: 'action:users.changeRole', input: z.object({ userId: z.string().min(1), role: z.enum(['USER', 'ADMIN']) }) },
      async ({ session }, input) => ({ by: session.user.id, ...input }),
    );

  it('runs the handler for an admin with valid input from the app origin', async () => {
    const { cookie, token } = await h.signIn('ADMIN');
    await h.throughProxy(cookie, { origin: APP, 'sec-fetch-site': 'same-origin' });
    expect(await changeRole()({ userId: 'u9', role: 'ADMIN' })).toEqual({ ok: true, data: { by: token.sub, userId: 'u9', role: 'ADMIN' } });
  });

  it('accepts FormData through useActionState, ignoring React fields', async () => {
    const { cookie } = await h.signIn('ADMIN');
    await h.throughProxy(cookie, { origin: APP });
    const form = new FormData();
    form.set('userId', 'u9');
    form.set('role', 'USER');
    form.set('$ACTION_ID_abc', '');
    expect(await changeRole()(null, form)).toMatchObject({ ok: true, data: { userId: 'u9', role: 'USER' } });
  });

  it('refuses a USER replaying the action and audits it', async () => {
    const { cookie } = await h.signIn('USER');
    await h.throughProxy(cookie, { origin: APP, 'sec-fetch-site': 'same-origin' });
    expect(await changeRole()({ userId: 'u9', role: 'ADMIN' })).toMatchObject({ ok: false, error: 'forbidden' });
    expect(h.backend.callsTo('/v1/audit/denials')[0]?.body).toEqual({ resource: 'action:users.changeRole', requiredRole: 'ADMIN' });
  });

  it('refuses a cross-site or origin-less call before looking at the session', async () => {
    const { cookie } = await h.signIn('ADMIN');
    await h.throughProxy(cookie, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(await changeRole()({ userId: 'u9', role: 'ADMIN' })).toMatchObject({ ok: false, error: 'csrf_rejected' });
    await h.throughProxy(cookie);
    expect(await changeRole()({ userId: 'u9', role: 'ADMIN' })).toMatchObject({ ok: false, error: 'csrf_rejected' });
  });

  it('rejects invalid input with the failing fields', async () => {
    const { cookie } = await h.signIn('ADMIN');
    await h.throughProxy(cookie, { origin: APP });
    expect(await changeRole()({ userId: '', role: 'ROOT' } as never)).toMatchObject({ ok: false, error: 'invalid_input', fields: ['userId', 'role'] });
  });

  it('answers unauthenticated without a session', async () => {
    h.requestHeaders = new Headers({ origin: APP });
    expect(await changeRole()({ userId: 'u9', role: 'ADMIN' })).toMatchObject({ ok: false, error: 'unauthenticated' });
  });
});
