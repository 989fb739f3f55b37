import type { ServerResponse } from 'node:http';
import { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER } from '@portcullis/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidCredentialsError, WeakPasswordError } from '../errors.js';
import type { LogFields } from '../logging/logger.js';
import { APP, APP_CREDENTIAL, AuthHarness } from '../test-support/auth-harness.js';
import type { FakeCall } from '../test-support/fake-user-service.js';

const CURRENT = 'my current passphrase';
const NEW = 'a long and fine new passphrase';
const ACCESS_TOKEN = 'access-token-of-the-user';

let h: AuthHarness;
let logged: string[];

beforeEach(async () => {
  logged = [];
  const capture = (level: string) => (fields: LogFields, msg: string) => logged.push(JSON.stringify({ level, msg, ...fields }));
  h = await new AuthHarness().start({ logger: { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') } });
  h.requestHeaders = new Headers({ origin: APP, 'sec-fetch-site': 'same-origin', 'x-forwarded-for': '203.0.113.41', 'user-agent': 'settings-page' });
  // The user-service's signed-in account routes as docs/accounts.md states them.
  h.backend.override = (call: FakeCall, res: ServerResponse) => {
    const send = (status: number, body?: unknown): true => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
      return true;
    };
    const body = (call.body ?? {}) as Record<string, string>;
    const password = body.currentPassword ?? body.password;
    if (call.path !== '/v1/me/password' && call.path !== '/v1/me/email') return false;
    if (password !== CURRENT) return send(401, { error: 'invalid_credentials', message: 'The email or password is incorrect.' });
    if (body.newPassword === 'password1') return send(400, { error: 'weak_password', message: 'This password is among the most common ones; choose another.' });
    return call.path === '/v1/me/password' ? send(204) : send(202, {});
  };
});
afterEach(async () => {
  await h.stop();
});

describe("my account: the signed-in user's own changes", () => {
  it("changes the password with the user's token and the browser's address, so the service throttles per browser", async () => {
    await h.auth.myAccount.changePassword({ accessToken: ACCESS_TOKEN, currentPassword: CURRENT, newPassword: NEW });
    const call = h.backend.callsTo('/v1/me/password')[0];
    expect(call?.method).toBe('POST');
    expect(call?.body).toEqual({ currentPassword: CURRENT, newPassword: NEW });
    expect(call?.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(call?.headers[CLIENT_ADDRESS_HEADER]).toBe('203.0.113.41');
    expect(call?.headers[APP_CREDENTIAL_HEADER]).toBe(APP_CREDENTIAL);
    expect(call?.headers['user-agent']).toBe('settings-page');
  });

  it('says a wrong current password and a weak new one apart', async () => {
    await expect(h.auth.myAccount.changePassword({ accessToken: ACCESS_TOKEN, currentPassword: 'wrong', newPassword: NEW })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(h.auth.myAccount.changePassword({ accessToken: ACCESS_TOKEN, currentPassword: CURRENT, newPassword: 'password1' })).rejects.toBeInstanceOf(
      WeakPasswordError,
    );
  });

  it('asks for an email change, and never logs a password or an address', async () => {
    await h.auth.myAccount.changeEmail({ accessToken: ACCESS_TOKEN, newEmail: 'new@example.com', password: CURRENT });
    await h.auth.myAccount.changeEmail({ accessToken: ACCESS_TOKEN, newEmail: 'new@example.com', password: 'wrong' }).catch(() => undefined);
    expect(h.backend.callsTo('/v1/me/email')[0]?.body).toEqual({ newEmail: 'new@example.com', password: CURRENT });
    expect(logged.some((line) => line.includes('account.change_refused') && line.includes('invalid_credentials'))).toBe(true);
    for (const secret of [CURRENT, 'wrong', 'new@example.com']) expect(logged.filter((line) => line.includes(secret))).toEqual([]);
  });
});
