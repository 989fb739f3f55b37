import type { DeviceSession, TokenResponse } from '@portcullis/contracts';
import { tokenResponseSchema } from '@portcullis/contracts';
import { hash, parseOptions, type Algorithm } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testBackends } from '../test-support/databases.js';
import { ADAM, ALICE, DEMO_PASSWORD, MARIA, startTestInstance, type TestInstance } from '../test-support/harness.js';

async function auditTypes(service: TestInstance, adminToken: string, sid: string): Promise<string[]> {
  const response = await service.request('/v1/audit?limit=200', { token: adminToken });
  const { events } = (await response.json()) as { events: Array<{ type: string; sid: string | null; reason: string | null }> };
  return events.filter((event) => event.sid === sid).map((event) => event.type);
}

describe.each(testBackends())('auth API over HTTP on $name', (backend) => {
  let service: TestInstance;
  let admin: TokenResponse;

  beforeAll(async () => {
    service = await startTestInstance(backend, { REFRESH_REUSE_GRACE: '30' });
    admin = await service.login(ADAM);
  });

  afterAll(async () => {
    await service.close();
  });

  describe('POST /v1/auth/login', () => {
    it('answers a correct password with short-lived tokens and the user, never cached', async () => {
      const response = await service.request('/v1/auth/login', { method: 'POST', json: { email: 'Alice@Example.com', password: DEMO_PASSWORD } });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = tokenResponseSchema.parse(await response.json());
      expect(body.user).toEqual({
        id: expect.any(String),
        email: ALICE,
        name: 'Alice User',
        role: 'USER',
        scopes: ['profile:read', 'sessions:manage', 'requests:write'],
      });
      expect(body.accessTokenExpiresAt).toBe(Math.floor(service.clock.now() / 1000) * 1000 + 900_000);
      expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.refreshTokenExpiresAt).toBeGreaterThan(body.accessTokenExpiresAt);
      expect(body.sessionExpiresAt).toBeGreaterThanOrEqual(body.refreshTokenExpiresAt);
    });

    it('gives wrong password, unknown email and disabled account the same 401 invalid_credentials', async () => {
      const bodies = [];
      for (const attempt of [
        { email: MARIA, password: 'wrong-password' },
        { email: 'nobody@example.com', password: DEMO_PASSWORD },
      ]) {
        const response = await service.request('/v1/auth/login', { method: 'POST', json: attempt });
        expect(response.status).toBe(401);
        bodies.push(await response.json());
      }
      expect(bodies[0]).toEqual({ error: 'invalid_credentials', message: 'The email or password is incorrect.' });
      expect(bodies[1]).toEqual(bodies[0]);
    });

    it('spends a full password hash on unknown emails too, so timing does not reveal accounts', async () => {
      const verify = vi.spyOn(service.context.passwords, 'verify');
      await service.request('/v1/auth/login', { method: 'POST', json: { email: 'ghost@example.com', password: 'whatever-password' } });
      expect(verify).toHaveBeenCalledWith(null, 'whatever-password', { lane: expect.any(String) });
      verify.mockRestore();
    });

    it('rehashes a password stored with weaker argon2 parameters on the next successful login', async () => {
      const weak = await hash('an-old-weak-hash-password', { algorithm: 2 as Algorithm, memoryCost: 8192, timeCost: 1, parallelism: 1 });
      const user = await service.context.users.create({ email: 'legacy@example.com', name: 'Legacy', role: 'USER', passwordHash: weak });
      await service.login('legacy@example.com', 'an-old-weak-hash-password');
      const stored = await service.context.users.findById(user?.id ?? '');
      expect(parseOptions(stored?.passwordHash ?? '')).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
      await service.login('legacy@example.com', 'an-old-weak-hash-password');
    });

    it('refuses malformed bodies with 400 invalid_request', async () => {
      for (const json of [{}, { email: ALICE }, { email: ALICE, password: DEMO_PASSWORD, admin: true }, { email: 42, password: DEMO_PASSWORD }, []]) {
        const response = await service.request('/v1/auth/login', { method: 'POST', json });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: 'invalid_request' });
      }
    });

    it('records success and failure in the audit trail with IP and user agent', async () => {
      const tokens = await service.login(MARIA, DEMO_PASSWORD, { 'user-agent': 'AuditBrowser/1.0', 'x-request-id': 'trace-login-1' });
      // The audit line carries the request id, so one sign-in can be followed across services.
      const auditLine = service.logs.find((line) => line.includes('"msg":"login.succeeded"') && line.includes('"reqId":"trace-login-1"'));
      expect(auditLine).toBeDefined();
      const response = await service.request(`/v1/audit?type=login.succeeded&userId=${tokens.user.id}&limit=1`, { token: admin.accessToken });
      const { events } = (await response.json()) as { events: Array<Record<string, unknown>> };
      expect(events[0]).toMatchObject({ type: 'login.succeeded', userId: tokens.user.id, sid: expect.any(String), ip: '127.0.0.1', userAgent: 'AuditBrowser/1.0' });
      const failures = await service.request('/v1/audit?type=login.failed&limit=5', { token: admin.accessToken });
      const reasons = ((await failures.json()) as { events: Array<{ reason: string }> }).events.map((event) => event.reason);
      expect(reasons).toEqual(expect.arrayContaining(['wrong_password', 'unknown_email']));
    });
  });

  describe('POST /v1/auth/refresh', () => {
    it('rotates: a new refresh token, a new access token for the same session, the original auth_time', async () => {
      const login = await service.login(ALICE);
      service.clock.advance(60_000);
      const response = await service.refresh(login.refreshToken);
      expect(response.status).toBe(200);
      const rotated = tokenResponseSchema.parse(await response.json());
      expect(rotated.refreshToken).not.toBe(login.refreshToken);
      expect(rotated.accessToken).not.toBe(login.accessToken);
      const before = await service.context.accessTokens.verify(login.accessToken);
      const after = await service.context.accessTokens.verify(rotated.accessToken);
      expect(after.sid).toBe(before.sid);
      expect(after.authTime).toBe(before.authTime);
    });

    it('answers parallel refreshes of one token with one successor and no revocation (20 at once)', async () => {
      const login = await service.login(ALICE);
      const responses = await Promise.all(Array.from({ length: 20 }, () => service.refresh(login.refreshToken)));
      expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
      const bodies = (await Promise.all(responses.map((response) => response.json()))) as TokenResponse[];
      expect(new Set(bodies.map((body) => body.refreshToken)).size).toBe(1);
      const me = await service.request('/v1/me', { token: bodies[0]?.accessToken });
      expect(me.status).toBe(200);
    });

    it('tells the app how long a rotated token may be retried, on login and on every refresh', async () => {
      const login = await service.login(ALICE);
      expect(login.refreshReuseGraceSeconds).toBe(30);
      const rotated = tokenResponseSchema.parse(await (await service.refresh(login.refreshToken)).json());
      expect(rotated.refreshReuseGraceSeconds).toBe(30);
    });

    it('treats a retry within the grace window from another client as theft: no successor, the family ends', async () => {
      const login = await service.login(ALICE, DEMO_PASSWORD, { 'user-agent': 'VictimBrowser/1.0' });
      const refresh = (userAgent: string) =>
        service.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: login.refreshToken }, headers: { 'user-agent': userAgent } });
      const successor = tokenResponseSchema.parse(await (await refresh('VictimBrowser/1.0')).json());
      expect(tokenResponseSchema.parse(await (await refresh('VictimBrowser/1.0')).json()).refreshToken).toBe(successor.refreshToken);
      service.clock.advance(5_000);
      const thief = await refresh('ThiefBrowser/6.6');
      expect(thief.status).toBe(401);
      expect(await thief.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await service.refresh(successor.refreshToken)).status).toBe(401);
      const sid = (await service.context.accessTokens.verify(login.accessToken)).sid;
      const [detected] = await service.context.audit.list({ type: 'refresh.reuse_detected', limit: 200 }).then((events) => events.filter((event) => event.sid === sid));
      expect(detected).toMatchObject({ reason: 'token_reused', userAgent: 'ThiefBrowser/6.6', detail: { cause: 'other_client' } });
    });

    it('treats a replayed old token as theft: the session ends and its access tokens stop working', async () => {
      const login = await service.login(ALICE);
      const successor = (await (await service.refresh(login.refreshToken)).json()) as TokenResponse;
      const next = (await (await service.refresh(successor.refreshToken)).json()) as TokenResponse;
      const replay = await service.refresh(login.refreshToken);
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await service.refresh(next.refreshToken)).status).toBe(401);
      const me = await service.request('/v1/me', { token: next.accessToken });
      expect(me.status).toBe(401);
      expect(me.headers.get('www-authenticate')).toContain('Bearer');
      const sid = (await service.context.accessTokens.verify(login.accessToken)).sid;
      expect(await auditTypes(service, admin.accessToken, sid)).toContain('refresh.reuse_detected');
      const metrics = await (await service.request('/metrics')).text();
      expect(metrics).toMatch(/portcullis_refresh_reuse_detected_total [1-9]/);
    });

    it('refuses unknown, malformed and missing tokens with 401 invalid_grant or 400', async () => {
      expect((await service.refresh('x'.repeat(43))).status).toBe(401);
      expect((await service.refresh('not a token')).status).toBe(401);
      expect((await service.request('/v1/auth/refresh', { method: 'POST', json: {} })).status).toBe(400);
    });
  });

  describe('logout and device sessions', () => {
    it('logout revokes the whole session, idempotently', async () => {
      const login = await service.login(ALICE);
      const successor = (await (await service.refresh(login.refreshToken)).json()) as TokenResponse;
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const response = await service.request('/v1/auth/logout', { method: 'POST', json: { refreshToken: login.refreshToken } });
        expect(response.status).toBe(204);
      }
      expect((await service.refresh(successor.refreshToken)).status).toBe(401);
      expect((await service.request('/v1/me', { token: successor.accessToken })).status).toBe(401);
      expect((await service.request('/v1/auth/logout', { method: 'POST', json: { refreshToken: 'y'.repeat(43) } })).status).toBe(204);
    });

    it('lists my sessions with the current one marked, and revokes one of mine only', async () => {
      const laptop = await service.login(MARIA, DEMO_PASSWORD, { 'user-agent': 'Laptop' });
      const phone = await service.login(MARIA, DEMO_PASSWORD, { 'user-agent': 'Phone' });
      const listed = await service.request('/v1/auth/sessions', { token: laptop.accessToken });
      const { sessions } = (await listed.json()) as { sessions: DeviceSession[] };
      const laptopSid = (await service.context.accessTokens.verify(laptop.accessToken)).sid;
      const phoneSid = (await service.context.accessTokens.verify(phone.accessToken)).sid;
      expect(sessions.find((session) => session.id === laptopSid)).toMatchObject({ current: true, userAgent: 'Laptop', ip: '127.0.0.1' });
      expect(sessions.find((session) => session.id === phoneSid)).toMatchObject({ current: false, userAgent: 'Phone' });

      const alice = await service.login(ALICE);
      expect((await service.request(`/v1/auth/sessions/${phoneSid}`, { method: 'DELETE', token: alice.accessToken })).status).toBe(404);
      expect((await service.request(`/v1/auth/sessions/${phoneSid}`, { method: 'DELETE', token: laptop.accessToken })).status).toBe(204);
      expect((await service.request('/v1/me', { token: phone.accessToken })).status).toBe(401);
      expect((await service.refresh(phone.refreshToken)).status).toBe(401);
      expect((await service.request('/v1/me', { token: laptop.accessToken })).status).toBe(200);
      expect(await auditTypes(service, admin.accessToken, phoneSid)).toContain('session.revoked');
    });

    it('GET /v1/auth/session reads the session fresh, so the app sees a revocation at once', async () => {
      const login = await service.login(ALICE);
      const check = await service.request('/v1/auth/session', { token: login.accessToken });
      expect(check.status).toBe(200);
      const { session } = (await check.json()) as { session: { id: string; authTime: number } };
      // Warm the short cache, then revoke: the cached routes may lag ≤ 2 s, this one must not.
      expect((await service.request('/v1/me', { token: login.accessToken })).status).toBe(200);
      await service.context.sessions.revokeSession(session.id, 'revoked_by_admin');
      expect((await service.request('/v1/auth/session', { token: login.accessToken })).status).toBe(401);
      service.clock.advance(2_001);
      expect((await service.request('/v1/me', { token: login.accessToken })).status).toBe(401);
    });

    it('refuses protected routes without a valid bearer token, with WWW-Authenticate', async () => {
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer' }, { authorization: 'Basic abc' }, { authorization: 'Bearer not.a.jwt' }]) {
        const response = await service.request('/v1/me', { headers });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await response.json()).toMatchObject({ error: 'invalid_token' });
      }
    });
  });
});
