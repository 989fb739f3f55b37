import { randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { APP_CREDENTIAL_HEADER, type AdminUser, type AuditEvent, type ErrorBody, type TokenResponse } from '@portcullis/contracts';
import { createTestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { ADAM, ALICE, MARIA, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { sampleValue } from '../test-support/prometheus.js';

async function errorOf(response: Response): Promise<ErrorBody> {
  return (await response.json()) as ErrorBody;
}

async function auditEvents(instance: TestInstance, adminToken: string, query: string): Promise<AuditEvent[]> {
  const response = await instance.request(`/v1/audit?${query}`, { token: adminToken });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: AuditEvent[] }).events;
}

const APP_CREDENTIAL = randomBytes(32).toString('base64url');
const FROM_APP = { [APP_CREDENTIAL_HEADER]: APP_CREDENTIAL };
const DENIAL_REPORTS_PER_MINUTE = 3;

async function metrics(instance: TestInstance): Promise<string> {
  const response = await instance.request('/metrics');
  expect(response.status).toBe(200);
  return response.text();
}

describe.each(testBackends())('user administration and audit on $name', (backend) => {
  let instance: TestInstance;
  let alice: TokenResponse;
  let maria: TokenResponse;
  let adam: TokenResponse;

  beforeAll(async () => {
    instance = await startTestInstance(backend, { APP_CREDENTIALS: APP_CREDENTIAL, DENIAL_REPORTS_PER_MINUTE: String(DENIAL_REPORTS_PER_MINUTE) });
    alice = await instance.login(ALICE);
    maria = await instance.login(MARIA);
    adam = await instance.login(ADAM);
  });

  afterAll(async () => {
    await instance?.close();
  });

  describe('refuses everyone but ADMIN', () => {
    const adminOnly: ReadonlyArray<{ method: string; route: string; path: () => string; json?: unknown; scope: string }> = [
      { method: 'GET', route: '/v1/users', path: () => '/v1/users', scope: 'users:admin' },
      { method: 'PATCH', route: '/v1/users/:id', path: () => `/v1/users/${adam.user.id}`, json: { role: 'USER' }, scope: 'users:admin' },
      { method: 'GET', route: '/v1/audit', path: () => '/v1/audit', scope: 'audit:read' },
      { method: 'GET', route: '/v1/audit/stats', path: () => '/v1/audit/stats', scope: 'audit:read' },
    ];
    const callers = [
      { role: 'USER', token: () => alice },
      { role: 'MANAGER', token: () => maria },
    ];

    for (const caller of callers) {
      for (const route of adminOnly) {
        it(`answers ${caller.role} on ${route.method} ${route.route} with 403 insufficient_scope, audited and counted`, async () => {
          const deniedBefore = sampleValue(await metrics(instance), 'portcullis_authz_denied_total', { required: 'role:ADMIN' });
          const caller_ = caller.token();

          const response = await instance.request(route.path(), {
            method: route.method,
            token: caller_.accessToken,
            ...(route.json === undefined ? {} : { json: route.json }),
          });

          expect(response.status).toBe(403);
          expect(response.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="${route.scope}"`);
          expect(await errorOf(response)).toEqual({ error: 'insufficient_scope', message: expect.any(String) });
          expect(sampleValue(await metrics(instance), 'portcullis_authz_denied_total', { required: 'role:ADMIN' })).toBe(deniedBefore + 1);
          const [denial] = await auditEvents(instance, adam.accessToken, `type=authz.denied&userId=${caller_.user.id}&limit=1`);
          expect(denial).toMatchObject({
            type: 'authz.denied',
            userId: caller_.user.id,
            sid: decodeJwt(caller_.accessToken).sid,
            ip: '127.0.0.1',
            reason: 'missing_role:ADMIN',
            detail: { resource: `${route.method} ${route.route}`, role: caller.role, source: 'user-service' },
          });
        });
      }
    }

    it('changes nothing when a MANAGER tries to make themself ADMIN', async () => {
      const response = await instance.request(`/v1/users/${maria.user.id}`, { method: 'PATCH', token: maria.accessToken, json: { role: 'ADMIN' } });
      expect(response.status).toBe(403);
      const me = await instance.request('/v1/me', { token: maria.accessToken });
      expect(((await me.json()) as { user: { role: string } }).user.role).toBe('MANAGER');
    });

    it('answers 401 invalid_token without a bearer token, before any role check', async () => {
      const response = await instance.request('/v1/users');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await errorOf(response)).error).toBe('invalid_token');
    });
  });

  describe('listing users', () => {
    it('shows ADMIN every user with role, scopes and state, and never a password hash', async () => {
      const response = await instance.request('/v1/users', { token: adam.accessToken });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).not.toMatch(/argon2|password|hash/i);
      const { users } = JSON.parse(text) as { users: AdminUser[] };
      expect(users.map((user) => user.email)).toEqual(expect.arrayContaining([ALICE, MARIA, ADAM]));
      for (const user of users) {
        expect(Object.keys(user).sort()).toEqual(['createdAt', 'disabled', 'email', 'emailVerifiedAt', 'id', 'invitedAt', 'mfa', 'name', 'role', 'scopes', 'status']);
      }
      expect(users.find((user) => user.email === MARIA)).toMatchObject({
        role: 'MANAGER',
        disabled: false,
        status: 'active',
        scopes: expect.arrayContaining(['approvals:grant']),
      });
    });
  });

  describe('changing a role', () => {
    it('applies the new role and ends every session the user had', async () => {
      const account = await createTestAccount(instance, { role: 'USER' });
      const before = await instance.login(account.email, account.password);

      const response = await instance.request(`/v1/users/${account.id}`, { method: 'PATCH', token: adam.accessToken, json: { role: 'MANAGER' } });

      expect(response.status).toBe(200);
      expect(((await response.json()) as { user: AdminUser }).user).toMatchObject({ id: account.id, role: 'MANAGER', disabled: false });
      // This instance revoked the sessions itself, so it refuses the old token at once, not only after its cache expires.
      expect((await instance.request('/v1/me', { token: before.accessToken })).status).toBe(401);
      const refresh = await instance.refresh(before.refreshToken);
      expect(refresh.status).toBe(401);
      expect((await errorOf(refresh)).error).toBe('invalid_grant');
      const after = await instance.login(account.email, account.password);
      expect(after.user.role).toBe('MANAGER');
      expect(after.user.scopes).toContain('approvals:grant');
      const [changed] = await auditEvents(instance, adam.accessToken, `type=user.changed&userId=${account.id}`);
      expect(changed).toMatchObject({ reason: 'role_changed', detail: { by: adam.user.id, roleBefore: 'USER', roleAfter: 'MANAGER', revokedSessions: 1 } });
    });

    it('refuses to let an admin change their own role or disable themself (409 conflict)', async () => {
      for (const change of [{ role: 'USER' }, { disabled: true }]) {
        const response = await instance.request(`/v1/users/${adam.user.id}`, { method: 'PATCH', token: adam.accessToken, json: change });
        expect(response.status).toBe(409);
        expect((await errorOf(response)).error).toBe('conflict');
      }
      expect((await instance.request('/v1/users', { token: adam.accessToken })).status).toBe(200);
    });
  });

  describe('disabling a user', () => {
    it('revokes their sessions: the access token, the refresh token and the password all stop working', async () => {
      const account = await createTestAccount(instance);
      const phone = await instance.login(account.email, account.password);
      const laptop = await instance.login(account.email, account.password);
      expect((await instance.request('/v1/me', { token: phone.accessToken })).status).toBe(200);

      const response = await instance.request(`/v1/users/${account.id}`, { method: 'PATCH', token: adam.accessToken, json: { disabled: true } });

      expect(response.status).toBe(200);
      expect(((await response.json()) as { user: AdminUser }).user.disabled).toBe(true);
      for (const session of [phone, laptop]) {
        const me = await instance.request('/v1/me', { token: session.accessToken });
        expect(me.status).toBe(401);
        expect((await errorOf(me)).error).toBe('invalid_token');
        const refresh = await instance.refresh(session.refreshToken);
        expect(refresh.status).toBe(401);
        expect((await errorOf(refresh)).error).toBe('invalid_grant');
      }
      const login = await instance.request('/v1/auth/login', { method: 'POST', json: { email: account.email, password: account.password } });
      expect(login.status).toBe(401);
      expect((await errorOf(login)).error).toBe('invalid_credentials');
      const [changed] = await auditEvents(instance, adam.accessToken, `type=user.changed&userId=${account.id}`);
      expect(changed).toMatchObject({ reason: 'disabled', detail: { disabled: true, revokedSessions: 2 } });
      const [failed] = await auditEvents(instance, adam.accessToken, `type=login.failed&userId=${account.id}`);
      expect(failed?.reason).toBe('account_disabled');
    });

    it('lets the user sign in again once re-enabled, without bringing the old sessions back', async () => {
      const account = await createTestAccount(instance);
      const old = await instance.login(account.email, account.password);
      await instance.request(`/v1/users/${account.id}`, { method: 'PATCH', token: adam.accessToken, json: { disabled: true } });

      const response = await instance.request(`/v1/users/${account.id}`, { method: 'PATCH', token: adam.accessToken, json: { disabled: false } });

      expect(response.status).toBe(200);
      expect((await instance.request('/v1/me', { token: old.accessToken })).status).toBe(401);
      expect((await instance.refresh(old.refreshToken)).status).toBe(401);
      const fresh = await instance.login(account.email, account.password);
      expect((await instance.request('/v1/me', { token: fresh.accessToken })).status).toBe(200);
    });

    it('reaches an access token another instance already cached as valid within the 2 s validity window', async () => {
      const account = await createTestAccount(instance);
      const session = await instance.login(account.email, account.password);
      // Warm this instance's validity cache, then revoke behind its back, as another instance on the database would.
      expect((await instance.request('/v1/me', { token: session.accessToken })).status).toBe(200);
      await instance.context.users.update(account.id, { disabled: true });
      await instance.context.sessions.revokeUserSessions(account.id, 'user_disabled');

      instance.clock.advance(3_000);

      expect((await instance.request('/v1/me', { token: session.accessToken })).status).toBe(401);
    });
  });

  describe('refuses malformed changes', () => {
    let target: string;
    beforeAll(async () => {
      target = (await createTestAccount(instance)).id;
    });

    it.each([
      ['a path id that is not a UUID', (): string => '/v1/users/not-a-uuid', { role: 'USER' }, 400, 'invalid_request'],
      ['an unknown user', (): string => `/v1/users/${randomUUID()}`, { role: 'USER' }, 404, 'not_found'],
      ['an empty change', (): string => `/v1/users/${target}`, {}, 400, 'invalid_request'],
      ['an unknown field', (): string => `/v1/users/${target}`, { role: 'USER', scopes: ['users:admin'] }, 400, 'invalid_request'],
      ['an unknown role', (): string => `/v1/users/${target}`, { role: 'ROOT' }, 400, 'invalid_request'],
      ['a role in lower case', (): string => `/v1/users/${target}`, { role: 'admin' }, 400, 'invalid_request'],
      ['disabled as a string', (): string => `/v1/users/${target}`, { disabled: 'true' }, 400, 'invalid_request'],
      ['a null change', (): string => `/v1/users/${target}`, null, 400, 'invalid_request'],
    ] as const)('answers %s with %i', async (_what, path, json, status, error) => {
      const response = await instance.request(path(), { method: 'PATCH', token: adam.accessToken, json });
      expect(response.status).toBe(status);
      expect(await errorOf(response)).toEqual({ error, message: expect.any(String) });
    });

    it('leaves the user unchanged after those refusals', async () => {
      const response = await instance.request('/v1/users', { token: adam.accessToken });
      const { users } = (await response.json()) as { users: AdminUser[] };
      expect(users.find((user) => user.id === target)).toMatchObject({ role: 'USER', disabled: false });
    });
  });

  describe('the audit trail', () => {
    let account: { id: string; email: string; password: string };
    let mark: number;

    beforeAll(async () => {
      account = await createTestAccount(instance);
      // Everything before the mark is a minute older, so `since` separates it cleanly on the injected clock.
      instance.clock.advance(60_000);
      mark = instance.clock.now();
      await instance.login(account.email, account.password);
      await instance.request('/v1/auth/login', { method: 'POST', json: { email: account.email, password: 'not-the-password' } });
      await instance.login(account.email, account.password);
    });

    it('lists events newest first with who, when, where and why', async () => {
      const events = await auditEvents(instance, adam.accessToken, `userId=${account.id}`);
      expect(events.map((event) => event.type)).toEqual(['login.succeeded', 'login.failed', 'login.succeeded']);
      expect(events[1]).toMatchObject({ userId: account.id, ip: '127.0.0.1', reason: 'wrong_password', at: mark });
      expect(events[0]?.sid).toEqual(expect.any(String));
      const times = events.map((event) => event.at);
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(JSON.stringify(events)).not.toContain('not-the-password');
    });

    it('filters by type', async () => {
      const events = await auditEvents(instance, adam.accessToken, 'type=login.failed');
      expect(events.length).toBeGreaterThan(0);
      expect(new Set(events.map((event) => event.type))).toEqual(new Set(['login.failed']));
    });

    it('filters by user', async () => {
      const events = await auditEvents(instance, adam.accessToken, `userId=${alice.user.id}`);
      expect(events.length).toBeGreaterThan(0);
      expect(new Set(events.map((event) => event.userId))).toEqual(new Set([alice.user.id]));
    });

    it('filters by since, given as epoch milliseconds or as ISO 8601', async () => {
      const byMillis = await auditEvents(instance, adam.accessToken, `since=${mark}`);
      const byIso = await auditEvents(instance, adam.accessToken, `since=${encodeURIComponent(new Date(mark).toISOString())}`);
      expect(byMillis.length).toBeGreaterThanOrEqual(3);
      expect(byMillis.every((event) => event.at >= mark)).toBe(true);
      expect(byIso).toEqual(byMillis);
      expect(await auditEvents(instance, adam.accessToken, `since=${instance.clock.now() + 60_000}`)).toEqual([]);
    });

    it('limits the number of events, keeping the newest', async () => {
      const all = await auditEvents(instance, adam.accessToken, `userId=${account.id}`);
      const one = await auditEvents(instance, adam.accessToken, `userId=${account.id}&limit=1`);
      expect(one).toEqual(all.slice(0, 1));
    });

    it.each([
      ['an unknown type', 'type=login.maybe'],
      ['a user id that is not a UUID', 'userId=alice'],
      ['a since that is no date', 'since=yesterday'],
      ['a since in another format', 'since=24%2F11%2F2026'],
      ['a since on a day that does not exist', 'since=2026-02-30'],
      ['a since at an hour that does not exist', 'since=2026-11-24T25%3A00%3A00Z'],
      ['a limit of 0', 'limit=0'],
      ['a limit above 1000', 'limit=1001'],
      ['a limit that is no number', 'limit=ten'],
      ['a type given twice', 'type=logout&type=login.failed'],
      ['an unknown parameter', 'order=asc'],
    ])('answers %s with 400 invalid_request', async (_what, query) => {
      const response = await instance.request(`/v1/audit?${query}`, { token: adam.accessToken });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toEqual({ error: 'invalid_request', message: expect.any(String) });
    });

    it.each([
      ['minute', 60_000],
      ['hour', 3_600_000],
      ['day', 86_400_000],
    ] as const)('counts events per type in %s buckets for charts', async (bucket, width) => {
      const response = await instance.request(`/v1/audit/stats?since=${mark}&bucket=${bucket}`, { token: adam.accessToken });
      expect(response.status).toBe(200);
      const stats = (await response.json()) as { since: number; bucket: string; buckets: Array<{ at: number; type: string; count: number }> };
      expect(stats).toMatchObject({ since: mark, bucket });
      for (const entry of stats.buckets) expect(entry.at % width).toBe(0);
      const events = await auditEvents(instance, adam.accessToken, `since=${mark}&limit=1000`);
      const counted = (type: string) => stats.buckets.filter((entry) => entry.type === type).reduce((sum, entry) => sum + entry.count, 0);
      for (const type of new Set(events.map((event) => event.type))) {
        expect(counted(type)).toBe(events.filter((event) => event.type === type).length);
      }
      expect(counted('login.failed')).toBeGreaterThanOrEqual(1);
    });

    it('defaults the stats to hourly buckets over the last day', async () => {
      const response = await instance.request('/v1/audit/stats', { token: adam.accessToken });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ bucket: 'hour', since: instance.clock.now() - 86_400_000 });
    });

    it.each([
      ['an unknown bucket', 'bucket=week'],
      ['a since that is no date', 'since=soon'],
      ['an unknown parameter', 'type=logout'],
    ])('answers stats with %s with 400 invalid_request', async (_what, query) => {
      const response = await instance.request(`/v1/audit/stats?${query}`, { token: adam.accessToken });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).error).toBe('invalid_request');
    });
  });

  describe('denials reported by the web app', () => {
    function report(token: string | undefined, json: unknown, headers: Record<string, string> = FROM_APP): Promise<Response> {
      return instance.request('/v1/audit/denials', { method: 'POST', ...(token === undefined ? {} : { token }), json, headers });
    }

    it('records authz.denied for the caller with what they lacked', async () => {
      const deniedBefore = sampleValue(await metrics(instance), 'portcullis_authz_denied_total', { required: 'role:MANAGER' });

      const response = await report(alice.accessToken, { resource: '/approvals', requiredRole: 'MANAGER' });

      expect(response.status).toBe(204);
      const [denial] = await auditEvents(instance, adam.accessToken, `type=authz.denied&userId=${alice.user.id}&limit=1`);
      expect(denial).toMatchObject({ userId: alice.user.id, reason: 'missing_role:MANAGER', detail: { resource: '/approvals', role: 'USER', source: 'app' } });
      expect(sampleValue(await metrics(instance), 'portcullis_authz_denied_total', { required: 'role:MANAGER' })).toBe(deniedBefore + 1);
    });

    it('records a missing scope too, for a named action as well as a path', async () => {
      expect((await report(maria.accessToken, { resource: '/admin/users', requiredScope: 'users:admin' })).status).toBe(204);
      const [denial] = await auditEvents(instance, adam.accessToken, `type=authz.denied&userId=${maria.user.id}&limit=1`);
      expect(denial).toMatchObject({ reason: 'missing_scope:users:admin', detail: { resource: '/admin/users', source: 'app' } });
      expect((await report(maria.accessToken, { resource: 'action:users.changeRole', requiredRole: 'ADMIN' })).status).toBe(204);
    });

    it('needs a valid access token', async () => {
      const response = await report(undefined, { resource: '/approvals', requiredRole: 'MANAGER' });
      expect(response.status).toBe(401);
      expect((await errorOf(response)).error).toBe('invalid_token');
    });

    it('takes no report from a signed-in user who calls the API directly (no app credential), and stores nothing', async () => {
      const reporter = await createTestAccount(instance);
      const session = await instance.login(reporter.email, reporter.password);
      const response = await report(session.accessToken, { resource: '/admin', requiredRole: 'ADMIN' }, {});
      expect(response.status).toBe(401);
      expect((await errorOf(response)).error).toBe('invalid_app_credential');
      expect(await auditEvents(instance, adam.accessToken, `type=authz.denied&userId=${reporter.id}`)).toEqual([]);
    });

    it('drops the reports of one session over its limit per minute with 429 rate_limited, and stores none of them', async () => {
      const reporter = await createTestAccount(instance);
      const session = await instance.login(reporter.email, reporter.password);
      for (let sent = 0; sent < DENIAL_REPORTS_PER_MINUTE; sent += 1) {
        expect((await report(session.accessToken, { resource: '/admin', requiredRole: 'ADMIN' })).status).toBe(204);
      }
      const over = await report(session.accessToken, { resource: '/admin', requiredRole: 'ADMIN' });
      expect(over.status).toBe(429);
      expect((await errorOf(over)).error).toBe('rate_limited');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await auditEvents(instance, adam.accessToken, `type=authz.denied&userId=${reporter.id}`)).toHaveLength(DENIAL_REPORTS_PER_MINUTE);
      // Another session of the same user has a budget of its own.
      const other = await instance.login(reporter.email, reporter.password);
      expect((await report(other.accessToken, { resource: '/admin', requiredRole: 'ADMIN' })).status).toBe(204);
    });

    it.each([
      ['no resource', { requiredRole: 'MANAGER' }],
      ['an unknown role', { resource: '/x', requiredRole: 'OWNER' }],
      ['an unknown scope', { resource: '/x', requiredScope: 'everything' }],
      ['an unknown field', { resource: '/x', requiredRole: 'MANAGER', userId: randomUUID() }],
      ['an over-long resource', { resource: `/${'x'.repeat(200)}` }],
      ['a resource that is no path', { resource: 'everything is on fire', requiredRole: 'ADMIN' }],
      ['a resource with a line break', { resource: '/admin\nALERT: root login', requiredRole: 'ADMIN' }],
      ['a resource with markup', { resource: '/admin/<script>', requiredRole: 'ADMIN' }],
      ['an unknown kind of resource', { resource: 'javascript:alert(1)', requiredRole: 'ADMIN' }],
    ])('answers a report with %s with 400 invalid_request', async (_what, json) => {
      const response = await report(alice.accessToken, json);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).error).toBe('invalid_request');
    });
  });
});
