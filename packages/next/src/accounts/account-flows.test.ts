import type { ServerResponse } from 'node:http';
import { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER } from '@portcullis/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, InvalidAccountLinkError, RateLimitedError, SignupClosedError, WeakPasswordError } from '../errors.js';
import type { LogFields } from '../logging/logger.js';
import { APP, APP_CREDENTIAL, AuthHarness } from '../test-support/auth-harness.js';
import type { FakeCall } from '../test-support/fake-user-service.js';

const GOOD_TOKEN = 'g'.repeat(43);
const USED_TOKEN = 'u'.repeat(43);
const POLICY_MESSAGE = 'This password is among the most common ones; choose another.';

let h: AuthHarness;
let logged: string[];
let signupOpen: boolean;

beforeEach(async () => {
  logged = [];
  signupOpen = true;
  const capture = (level: string) => (fields: LogFields, msg: string) => logged.push(JSON.stringify({ level, msg, ...fields }));
  h = await new AuthHarness().start({ logger: { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') } });
  h.requestHeaders = new Headers({ origin: APP, 'sec-fetch-site': 'same-origin', 'x-forwarded-for': '203.0.113.40', 'user-agent': 'mail-reader' });
  // The user-service's account routes as the HTTP contract in docs/accounts.md states them.
  h.backend.override = (call: FakeCall, res: ServerResponse) => {
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): true => {
      res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers }).end(body === undefined ? undefined : JSON.stringify(body));
      return true;
    };
    const body = (call.body ?? {}) as Record<string, string>;
    const spend = (): true => (body.token === GOOD_TOKEN ? send(204) : send(400, { error: 'invalid_token', message: 'This link is not valid.' }));
    switch (call.path) {
      case '/v1/auth/password/forgot':
      case '/v1/auth/email/verify/resend':
        return body.email === 'flood@example.com' ? send(429, { error: 'rate_limited', message: 'slow down' }, { 'retry-after': '30' }) : send(202, {});
      case '/v1/auth/password/reset':
      case '/v1/auth/invitations/accept':
        if (body.password === 'password1') return send(400, { error: 'weak_password', message: POLICY_MESSAGE });
        return spend();
      case '/v1/auth/signup':
        if (body.email === 'down@example.com') return send(503, { error: 'unavailable', message: 'database down' });
        return signupOpen ? send(202, {}) : send(403, { error: 'signup_closed', message: 'Sign-up is closed.' });
      case '/v1/auth/email/verify':
      case '/v1/auth/email/confirm':
      case '/v1/auth/email/cancel':
        return spend();
      default:
        return false;
    }
  };
});
afterEach(async () => {
  await h.stop();
});

describe('account flows: the calls behind the public account pages', () => {
  it("asks for a reset link for the browser's address, with the app credential and no user token", async () => {
    await h.auth.accounts.forgotPassword({ email: 'alice@example.com' });
    const call = h.backend.callsTo('/v1/auth/password/forgot')[0];
    expect(call?.method).toBe('POST');
    expect(call?.body).toEqual({ email: 'alice@example.com' });
    // Throttled per browser at the service: it believes the address because the app credential comes with it.
    expect(call?.headers[CLIENT_ADDRESS_HEADER]).toBe('203.0.113.40');
    expect(call?.headers[APP_CREDENTIAL_HEADER]).toBe(APP_CREDENTIAL);
    expect(call?.headers['user-agent']).toBe('mail-reader');
    expect(call?.headers.authorization).toBeUndefined();
  });

  it('spends a good link and says "expired or used" for any other, in the same words for every flow', async () => {
    await h.auth.accounts.resetPassword({ token: GOOD_TOKEN, password: 'a long and fine password' });
    await h.auth.accounts.verifyEmail({ token: GOOD_TOKEN });
    await h.auth.accounts.acceptInvitation({ token: GOOD_TOKEN, password: 'a long and fine password', name: 'Ines' });
    await h.auth.accounts.confirmEmail({ token: GOOD_TOKEN });
    await h.auth.accounts.cancelEmailChange({ token: GOOD_TOKEN });
    for (const spend of [
      () => h.auth.accounts.resetPassword({ token: USED_TOKEN, password: 'a long and fine password' }),
      () => h.auth.accounts.verifyEmail({ token: USED_TOKEN }),
      () => h.auth.accounts.acceptInvitation({ token: USED_TOKEN, password: 'a long and fine password', name: 'Ines' }),
      () => h.auth.accounts.confirmEmail({ token: USED_TOKEN }),
      () => h.auth.accounts.cancelEmailChange({ token: USED_TOKEN }),
    ]) {
      await expect(spend()).rejects.toEqual(new InvalidAccountLinkError());
    }
    expect(new InvalidAccountLinkError().status).toBe(400);
  });

  it("refuses a weak password with the policy's reason, for the person to pick another", async () => {
    const refusal = h.auth.accounts.resetPassword({ token: GOOD_TOKEN, password: 'password1' });
    await expect(refusal).rejects.toBeInstanceOf(WeakPasswordError);
    await expect(refusal).rejects.toMatchObject({ code: 'weak_password', message: POLICY_MESSAGE });
  });

  it('says sign-up is by invitation when the service takes none', async () => {
    signupOpen = false;
    await expect(h.auth.accounts.signUp({ email: 'new@example.com', password: 'a long and fine password', name: 'New' })).rejects.toEqual(new SignupClosedError());
    signupOpen = true;
    await h.auth.accounts.signUp({ email: 'new@example.com', password: 'a long and fine password', name: 'New' });
    expect(h.backend.callsTo('/v1/auth/signup')[1]?.body).toEqual({ email: 'new@example.com', password: 'a long and fine password', name: 'New' });
  });

  it('names the wait when throttled, and a service that is down is "try again", not a refusal', async () => {
    const throttled = h.auth.accounts.resendVerification({ email: 'flood@example.com' });
    await expect(throttled).rejects.toEqual(new RateLimitedError(30, { of: 'account' }));
    await expect(throttled).rejects.toMatchObject({ message: 'Too many requests. Try again in 30 seconds.' });
    await expect(h.auth.accounts.signUp({ email: 'down@example.com', password: 'a long and fine password', name: 'Down' })).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
  });

  it('never logs a token, a password or the email asked about', async () => {
    await h.auth.accounts.forgotPassword({ email: 'alice@example.com' });
    await h.auth.accounts.resetPassword({ token: GOOD_TOKEN, password: 'a long and fine password' }).catch(() => undefined);
    await h.auth.accounts.resetPassword({ token: USED_TOKEN, password: 'password1' }).catch(() => undefined);
    await h.auth.accounts.verifyEmail({ token: USED_TOKEN }).catch(() => undefined);
    expect(logged.some((line) => line.includes('account.flow_refused') && line.includes('invalid_token'))).toBe(true);
    for (const secret of [GOOD_TOKEN, USED_TOKEN, 'a long and fine password', 'password1', 'alice@example.com']) {
      expect(logged.filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});
