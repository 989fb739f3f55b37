import { randomBytes } from 'node:crypto';
import { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER, type AuditEvent, type DeviceSession, type ErrorBody, type TokenResponse } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { ADAM, startTestInstance, type TestInstance } from '../test-support/harness.js';

const APP_CREDENTIAL = randomBytes(32).toString('base64url');
const ROTATED_CREDENTIAL = randomBytes(32).toString('base64url');

describe('the client address an app vouches for', () => {
  let instance: TestInstance;
  let admin: TokenResponse;

  beforeAll(async () => {
    // Not about storage: one instance on the quickest back-end is enough.
    const backend = testBackends().at(-1);
    if (backend === undefined) throw new Error('no test back-end');
    instance = await startTestInstance(backend, { APP_CREDENTIALS: `${APP_CREDENTIAL},${ROTATED_CREDENTIAL}`, LOGIN_MAX_FAILURES_PER_EMAIL_IP: '5' });
    admin = await instance.login(ADAM);
  });

  afterAll(async () => {
    await instance?.close();
  });

  function wrongPassword(email: string, headers: Record<string, string>): Promise<Response> {
    return instance.request('/v1/auth/login', { method: 'POST', json: { email, password: 'not-the-password' }, headers });
  }

  async function failedLoginAddresses(userId: string): Promise<(string | null)[]> {
    const response = await instance.request(`/v1/audit?type=login.failed&userId=${userId}`, { token: admin.accessToken });
    return ((await response.json()) as { events: AuditEvent[] }).events.map((event) => event.ip);
  }

  it('believes the address an app sends with its credential: audit, device list and throttle all see it', async () => {
    const account = await createTestAccount(instance);
    const fromApp = { [APP_CREDENTIAL_HEADER]: APP_CREDENTIAL, [CLIENT_ADDRESS_HEADER]: '203.0.113.40' };
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await wrongPassword(account.email, fromApp)).status).toBe(401);

    expect((await wrongPassword(account.email, fromApp)).status).toBe(429);
    expect(await failedLoginAddresses(account.id)).toEqual(Array(5).fill('203.0.113.40'));
    // Another browser behind the same app is not held up by the first one's failures.
    const elsewhere = await instance.request('/v1/auth/login', {
      method: 'POST',
      json: { email: account.email, password: account.password },
      headers: { [APP_CREDENTIAL_HEADER]: APP_CREDENTIAL, [CLIENT_ADDRESS_HEADER]: '203.0.113.41' },
    });
    expect(elsewhere.status).toBe(200);
    const { accessToken } = (await elsewhere.json()) as TokenResponse;
    const sessions = await instance.request('/v1/auth/sessions', { token: accessToken });
    expect(((await sessions.json()) as { sessions: DeviceSession[] }).sessions.find((session) => session.current)?.ip).toBe('203.0.113.41');
  });

  it('ignores an address header that comes without an app credential', async () => {
    const account = await createTestAccount(instance);
    const forged = await wrongPassword(account.email, { [CLIENT_ADDRESS_HEADER]: '198.51.100.66' });
    expect(forged.status).toBe(401);
    expect(await failedLoginAddresses(account.id)).toEqual(['127.0.0.1']);
  });

  it('refuses a wrong app credential with 401 invalid_app_credential before looking at the password', async () => {
    const account = await createTestAccount(instance);
    const response = await wrongPassword(account.email, { [APP_CREDENTIAL_HEADER]: `${APP_CREDENTIAL.slice(0, -1)}x`, [CLIENT_ADDRESS_HEADER]: '198.51.100.67' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).error).toBe('invalid_app_credential');
    expect(await failedLoginAddresses(account.id)).toEqual([]);
  });

  it('takes every configured credential, so an app can move to a new one first', async () => {
    const account = await createTestAccount(instance);
    await wrongPassword(account.email, { [APP_CREDENTIAL_HEADER]: ROTATED_CREDENTIAL, [CLIENT_ADDRESS_HEADER]: '203.0.113.42' });
    expect(await failedLoginAddresses(account.id)).toEqual(['203.0.113.42']);
  });

  it('records an address in its canonical text and falls back to the socket for one that is no address', async () => {
    const account = await createTestAccount(instance);
    await wrongPassword(account.email, { [APP_CREDENTIAL_HEADER]: APP_CREDENTIAL, [CLIENT_ADDRESS_HEADER]: '2001:DB8:0:0:0:0:0:7' });
    await wrongPassword(account.email, { [APP_CREDENTIAL_HEADER]: APP_CREDENTIAL, [CLIENT_ADDRESS_HEADER]: '::ffff:203.0.113.43' });
    await wrongPassword(account.email, { [APP_CREDENTIAL_HEADER]: APP_CREDENTIAL, [CLIENT_ADDRESS_HEADER]: 'not-an-address' });
    expect((await failedLoginAddresses(account.id)).sort()).toEqual(['127.0.0.1', '2001:db8:0:0:0:0:0:7', '203.0.113.43']);
  });
});

describe('the client address without an app', () => {
  let instance: TestInstance;
  let admin: TokenResponse;

  beforeAll(async () => {
    const backend = testBackends().at(-1);
    if (backend === undefined) throw new Error('no test back-end');
    instance = await startTestInstance(backend, { TRUST_PROXY: '127.0.0.1' });
    admin = await instance.login(ADAM);
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('is recorded in the same canonical text an app-named address gets, so filters and counters match', async () => {
    const account = await createTestAccount(instance);
    await instance.request('/v1/auth/login', { method: 'POST', json: { email: account.email, password: 'nope' }, headers: { 'x-forwarded-for': '2001:DB8::9' } });
    const response = await instance.request(`/v1/audit?type=login.failed&userId=${account.id}`, { token: admin.accessToken });
    expect(((await response.json()) as { events: AuditEvent[] }).events.map((event) => event.ip)).toEqual(['2001:db8:0:0:0:0:0:9']);
  });
});
