import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { APP_CREDENTIAL_HEADER, type ErrorBody, type TokenResponse } from '@portcullis/contracts';
import { testBackends } from './test-support/databases.js';
import { ADAM, ALICE, DEMO_PASSWORD, MARIA, startTestInstance, type TestInstance } from './test-support/harness.js';
import { sampleValue } from './test-support/prometheus.js';

const APP_ORIGIN = 'http://localhost:3000';
// Denials are reported by an app instance only; the hygiene checks speak as one.
const APP_CREDENTIAL = 'app-credential-of-the-hygiene-tests-0123456789';

/** Reads an error answer and checks its shape: exactly `{ error, message }`, nothing that looks like a stack. */
async function expectErrorBody(response: Response, error: string): Promise<void> {
  const text = await response.text();
  const body = JSON.parse(text) as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe(error);
  expect(body.message).toEqual(expect.any(String));
  expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|stack|Error:/);
}

describe.each(testBackends())('HTTP hygiene on $name', (backend) => {
  let instance: TestInstance;
  let alice: TokenResponse;
  let adam: TokenResponse;

  beforeAll(async () => {
    instance = await startTestInstance(backend, { APP_CREDENTIALS: APP_CREDENTIAL });
    alice = await instance.login(ALICE);
    adam = await instance.login(ADAM);
  });

  afterAll(async () => {
    await instance?.close();
  });

  describe('CORS', () => {
    it('gives the configured origin exactly its own Access-Control-Allow-Origin, with credentials', async () => {
      const response = await instance.request('/v1/me', { token: alice.accessToken, headers: { origin: APP_ORIGIN } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('vary')).toMatch(/origin/i);
    });

    it("answers the configured origin's preflight with the methods and headers it may use", async () => {
      const response = await instance.request('/v1/auth/login', {
        method: 'OPTIONS',
        headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
    });

    const foreignOrigins = [
      ['another site', 'https://evil.example'],
      ['the literal null origin', 'null'],
      ['a suffix trick', 'http://localhost:3000.evil.com'],
      ['a prefix trick', 'http://evil-localhost:3000'],
      ['another port', 'http://localhost:3001'],
      ['another scheme', 'https://localhost:3000'],
      ['a trailing slash', 'http://localhost:3000/'],
    ] as const;

    it.each(foreignOrigins)('refuses %s (%s) on /v1 with 400 and no CORS headers', async (_what, origin) => {
      const response = await instance.request('/v1/me', { token: alice.accessToken, headers: { origin } });
      expect(response.status).toBe(400);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      await expectErrorBody(response, 'invalid_request');
    });

    it.each(foreignOrigins)('does not let %s sign in, not even with a "simple" request', async (_what, origin) => {
      const before = await instance.request(`/v1/audit?type=login.succeeded&userId=${alice.user.id}`, { token: adam.accessToken });
      const countBefore = ((await before.json()) as { events: unknown[] }).events.length;

      const response = await instance.request('/v1/auth/login', { method: 'POST', json: { email: ALICE, password: DEMO_PASSWORD }, headers: { origin } });

      expect(response.status).toBe(400);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const after = await instance.request(`/v1/audit?type=login.succeeded&userId=${alice.user.id}`, { token: adam.accessToken });
      expect(((await after.json()) as { events: unknown[] }).events.length).toBe(countBefore);
    });

    it.each(foreignOrigins)("gives %s's preflight no CORS grant", async (_what, origin) => {
      const response = await instance.request('/v1/auth/login', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('serves public documents to any origin but without a CORS grant', async () => {
      const response = await instance.request('/.well-known/jwks.json', { headers: { origin: 'https://evil.example' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('security headers', () => {
    it("sets helmet's headers on API answers", async () => {
      const response = await instance.request('/v1/me', { token: alice.accessToken });
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      // The whole policy: nothing of helmet's looser defaults (script-src 'self', style-src 'unsafe-inline') merged in.
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-site');
      expect(response.headers.get('x-powered-by')).toBeNull();
    });

    it('sets them on errors too', async () => {
      const response = await instance.request('/v1/nothing-here');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    });

    it('never lets a token answer be cached', async () => {
      const response = await instance.request('/v1/auth/login', { method: 'POST', json: { email: MARIA, password: DEMO_PASSWORD } });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('request bodies', () => {
    it('refuses a body over 16 KiB with 413 payload_too_large', async () => {
      const response = await instance.request('/v1/auth/login', {
        method: 'POST',
        json: { email: ALICE, password: 'x'.repeat(16 * 1024) },
      });
      expect(response.status).toBe(413);
      await expectErrorBody(response, 'payload_too_large');
    });

    it('refuses an oversized body sent in chunks, without a Content-Length to check up front', async () => {
      const chunk = new TextEncoder().encode(JSON.stringify({ refreshToken: 'y'.repeat(4_000) }));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 5; i += 1) controller.enqueue(chunk);
          controller.close();
        },
      });
      const response = await instance.request('/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
      await expectErrorBody(response, 'payload_too_large');
    });

    it.each([
      ['text/plain', 'text/plain', JSON.stringify({ email: ALICE, password: DEMO_PASSWORD })],
      ['a form', 'application/x-www-form-urlencoded', `email=${encodeURIComponent(ALICE)}&password=${DEMO_PASSWORD}`],
      ['multipart', 'multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${ALICE}\r\n--x--\r\n`],
      ['XML', 'application/xml', '<login/>'],
    ])('refuses %s with 415 unsupported_media_type', async (_what, contentType, body) => {
      const response = await instance.request('/v1/auth/login', { method: 'POST', headers: { 'content-type': contentType }, body });
      expect(response.status).toBe(415);
      await expectErrorBody(response, 'unsupported_media_type');
    });

    it('refuses a POST without any body or content type as invalid', async () => {
      const response = await instance.request('/v1/auth/login', { method: 'POST' });
      expect(response.status).toBe(400);
      await expectErrorBody(response, 'invalid_request');
    });
  });

  describe('malformed input never causes a 500', () => {
    const raw = (body: string) => ({ body, headers: { 'content-type': 'application/json' } });
    const huge = 'h'.repeat(15_000);
    const malformedBodies: ReadonlyArray<readonly [string, { body: string; headers: Record<string, string> }]> = [
      ['invalid JSON', raw('{"email": ')],
      ['an empty JSON body', raw('')],
      ['an array', raw('[]')],
      ['null', raw('null')],
      ['a number', raw('42')],
      ['a string', raw('"hello"')],
      ['numbers for strings', raw('{"email": 42, "password": 42, "refreshToken": 42, "resource": 42, "role": 42, "disabled": 42}')],
      ['nested objects for strings', raw('{"email": {"$ne": null}, "password": {"$gt": ""}, "refreshToken": {}, "resource": [], "role": {}}')],
      ['an unknown field', raw(`{"email": "${ALICE}", "password": "${DEMO_PASSWORD}", "refreshToken": "abc", "resource": "/x", "role": "USER", "isAdmin": true}`)],
      [
        'huge strings',
        raw(
          `{"email": "${huge}", "password": "${huge.slice(0, 1)}", "refreshToken": "${huge.slice(0, 100)}x", "resource": "${huge.slice(0, 10)}", "role": "${huge.slice(0, 10)}"}`,
        ),
      ],
      ['a __proto__ key', raw(`{"__proto__": {"role": "ADMIN", "isAdmin": true}, "email": "${ALICE}", "password": "${DEMO_PASSWORD}"}`)],
      ['a constructor.prototype key', raw(`{"constructor": {"prototype": {"role": "ADMIN"}}, "email": "${ALICE}", "password": "${DEMO_PASSWORD}"}`)],
      ['a nested __proto__ key', raw(`{"email": "${ALICE}", "password": {"__proto__": {"length": 5}}}`)],
      ['deeply nested arrays', raw(`{"email": ${'['.repeat(2_000)}${']'.repeat(2_000)}}`)],
      ['a byte-order mark and control characters', raw(`\ufeff{"email": "\u0000", "password": "\u0000"}`)],
      [
        'invalid UTF-8',
        { body: Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('latin1'), headers: { 'content-type': 'application/json' } },
      ],
    ];
    let adamTarget: string;

    beforeAll(async () => {
      adamTarget = alice.user.id;
    });

    const endpoints: ReadonlyArray<{ name: string; method: string; path: () => string; token: () => string | undefined }> = [
      { name: 'POST /v1/auth/login', method: 'POST', path: () => '/v1/auth/login', token: () => undefined },
      { name: 'POST /v1/auth/refresh', method: 'POST', path: () => '/v1/auth/refresh', token: () => undefined },
      { name: 'POST /v1/auth/logout', method: 'POST', path: () => '/v1/auth/logout', token: () => undefined },
      { name: 'POST /v1/audit/denials', method: 'POST', path: () => '/v1/audit/denials', token: () => alice.accessToken },
      { name: 'PATCH /v1/users/:id', method: 'PATCH', path: () => `/v1/users/${adamTarget}`, token: () => adam.accessToken },
    ];

    for (const endpoint of endpoints) {
      it.each(malformedBodies)(`answers ${endpoint.name} with %s: 400 invalid_request`, async (_what, init) => {
        const token = endpoint.token();
        const response = await instance.request(endpoint.path(), {
          method: endpoint.method,
          ...init,
          headers: { ...init.headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), [APP_CREDENTIAL_HEADER]: APP_CREDENTIAL },
        });
        expect(response.status).toBe(400);
        await expectErrorBody(response, 'invalid_request');
      });
    }

    it('left nothing behind: no prototype was polluted and alice is still a USER', async () => {
      expect(({} as Record<string, unknown>).role).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      const me = await instance.request('/v1/me', { token: alice.accessToken });
      expect(((await me.json()) as { user: { role: string } }).user.role).toBe('USER');
    });

    it.each([
      ['a query on a route without one', '/v1/me?debug=1'],
      ['an over-long path parameter', `/v1/auth/sessions/${'a'.repeat(200)}`],
      ['a path parameter with odd characters', '/v1/auth/sessions/%00%ff'],
      ['bad percent-encoding in the query', '/v1/me?debug=%ZZ'],
    ])('answers %s without a 500', async (_what, path) => {
      const response = await instance.request(path, { method: path.startsWith('/v1/auth/sessions/') ? 'DELETE' : 'GET', token: alice.accessToken });
      expect(response.status).toBeLessThan(500);
      expect(await response.text()).not.toMatch(/\bat .+:\d+:\d+|stack/);
    });

    it.each([
      ['DELETE', '/v1/auth/sessions/%ZZ'],
      ['PATCH', '/v1/users/%E0%A4%A'],
      ['GET', '/v1/%ZZ'],
    ])('answers %s %s, a path with bad percent-encoding, with 400 invalid_request in the usual shape', async (method, path) => {
      const response = await instance.request(path, { method, token: adam.accessToken, ...(method === 'PATCH' ? { json: { role: 'USER' } } : {}) });
      expect(response.status).toBe(400);
      await expectErrorBody(response, 'invalid_request');
    });

    it('answers a malformed Authorization header with 401 invalid_token', async () => {
      for (const authorization of ['Bearer', 'Bearer ', 'Basic YWxpY2U6cHc=', `Bearer ${'a'.repeat(5_000)}`, 'Bearer a.b.c', `Bearer ${alice.accessToken} extra`]) {
        const response = await instance.request('/v1/me', { headers: { authorization } });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
        await expectErrorBody(response, 'invalid_token');
      }
    });
  });

  describe('routes', () => {
    it.each([
      ['GET', '/nothing'],
      ['GET', '/v1/nothing'],
      ['PUT', '/v1/auth/login'],
      ['GET', '/v1/auth/login'],
      ['DELETE', '/v1/users'],
    ])('answers %s %s with 404 not_found', async (method, path) => {
      const response = await instance.request(path, { method });
      expect(response.status).toBe(404);
      await expectErrorBody(response, 'not_found');
    });

    it('is alive on /healthz', async () => {
      const response = await instance.request('/healthz');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('is ready on /readyz, naming its database', async () => {
      const response = await instance.request('/readyz');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ready', database: backend.name });
    });

    it('publishes only public key members in the JWKS', async () => {
      const response = await instance.request('/.well-known/jwks.json');
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toMatch(/public/);
      const { keys } = (await response.json()) as { keys: Array<Record<string, unknown>> };
      expect(keys.length).toBeGreaterThanOrEqual(1);
      for (const key of keys) {
        expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String), x: expect.any(String) });
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']) expect(key).not.toHaveProperty(secret);
      }
    });
  });

  describe('request ids', () => {
    it('echoes a well-formed X-Request-Id', async () => {
      const response = await instance.request('/healthz', { headers: { 'x-request-id': 'trace-42.abc_DEF' } });
      expect(response.headers.get('x-request-id')).toBe('trace-42.abc_DEF');
    });

    it('replaces a malformed or missing one with a fresh id', async () => {
      const injected = await instance.request('/healthz', { headers: { 'x-request-id': 'evil id\twith spaces' } });
      expect(injected.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const tooLong = await instance.request('/healthz', { headers: { 'x-request-id': 'a'.repeat(129) } });
      expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const missing = await instance.request('/healthz');
      expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('puts the id on errors too', async () => {
      const response = await instance.request('/v1/me', { headers: { 'x-request-id': 'failing-call-1' } });
      expect(response.status).toBe(401);
      expect(response.headers.get('x-request-id')).toBe('failing-call-1');
    });
  });

  describe('metrics', () => {
    let before: string;
    let after: string;

    beforeAll(async () => {
      before = await (await instance.request('/metrics')).text();
      const maria = await instance.login(MARIA);
      await instance.request('/v1/auth/login', { method: 'POST', json: { email: MARIA, password: 'wrong-password' } });
      const rotated = (await (await instance.refresh(maria.refreshToken)).json()) as TokenResponse;
      await instance.refresh(rotated.refreshToken);
      // The first token again, after its successor was used and the grace window has passed: theft, session revoked.
      instance.clock.advance(60_000);
      await instance.refresh(maria.refreshToken);
      await instance.refresh('not-a-refresh-token');
      await instance.request('/v1/users', { token: (await instance.login(MARIA)).accessToken });
      for (let i = 0; i < 3; i += 1) await instance.request(`/random-${randomUUID()}`);
      after = await (await instance.request('/metrics')).text();
    });

    const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);

    it('serves Prometheus text on loopback', async () => {
      const response = await instance.request('/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    });

    it('counts sign-ins by outcome', () => {
      expect(delta('portcullis_login_attempts_total', { outcome: 'succeeded' })).toBe(2);
      expect(delta('portcullis_login_attempts_total', { outcome: 'failed' })).toBe(1);
    });

    it('counts refreshes by outcome and reuse detections', () => {
      expect(delta('portcullis_refresh_total', { outcome: 'succeeded' })).toBe(2);
      expect(delta('portcullis_refresh_total', { outcome: 'reuse_detected' })).toBe(1);
      expect(delta('portcullis_refresh_total', { outcome: 'refused' })).toBe(1);
      expect(delta('portcullis_refresh_reuse_detected_total')).toBe(1);
      expect(delta('portcullis_audit_events_total', { type: 'refresh.reuse_detected' })).toBe(1);
    });

    it('counts authorization denials by what was missing', () => {
      expect(delta('portcullis_authz_denied_total', { required: 'role:ADMIN' })).toBe(1);
    });

    it('has a request latency histogram by route and status', () => {
      expect(after).toMatch(/^# TYPE portcullis_http_request_duration_seconds histogram$/m);
      expect(delta('portcullis_http_request_duration_seconds_count', { method: 'POST', route: '/v1/auth/login', status: '200' })).toBe(2);
      expect(delta('portcullis_http_request_duration_seconds_bucket', { route: '/v1/auth/refresh', status: '401', le: '+Inf' })).toBe(2);
    });

    it('labels unmatched routes as one series, so random paths cannot grow the label space', () => {
      expect(after).not.toContain('/random-');
      expect(delta('portcullis_http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(3);
    });
  });

  // Last, so it also covers every request above: malformed bodies carrying passwords, bad bearer tokens, refusals.
  describe('log redaction', () => {
    const WRONG_PASSWORD = 'wrong-but-secret-password-7731';
    const secrets: string[] = [DEMO_PASSWORD, WRONG_PASSWORD, 'not.a.valid-token-secret'];

    beforeAll(async () => {
      const carol = await instance.login(ALICE, DEMO_PASSWORD, { 'user-agent': 'redaction-test' });
      const admin = await instance.login(ADAM);
      secrets.push(alice.accessToken, alice.refreshToken, adam.accessToken, adam.refreshToken);
      secrets.push(carol.accessToken, carol.refreshToken, admin.accessToken, admin.refreshToken);
      await instance.request('/v1/auth/login', { method: 'POST', json: { email: ALICE, password: WRONG_PASSWORD } });
      await instance.request('/v1/auth/login', { method: 'POST', json: { email: 'nobody@example.com', password: WRONG_PASSWORD } });
      const refreshed = (await (await instance.refresh(carol.refreshToken)).json()) as TokenResponse;
      secrets.push(refreshed.accessToken, refreshed.refreshToken);
      await instance.request('/v1/me', { token: refreshed.accessToken });
      await instance.request('/v1/users', { token: refreshed.accessToken });
      await instance.request('/v1/audit', { token: admin.accessToken });
      await instance.request('/v1/me', { headers: { authorization: 'Bearer not.a.valid-token-secret' } });
      await instance.request('/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"password": "${WRONG_PASSWORD}", ` });
      // A retry of the previous token within the grace window, then logouts.
      await instance.refresh(carol.refreshToken);
      await instance.request('/v1/auth/logout', { method: 'POST', json: { refreshToken: refreshed.refreshToken } });
      await instance.request('/v1/auth/logout', { method: 'POST', json: { refreshToken: admin.refreshToken } });
    });

    it('logged the conversation', () => {
      const log = instance.logs.join('');
      for (const type of ['login.succeeded', 'login.failed', 'refresh.succeeded', 'authz.denied', 'logout']) expect(log).toContain(`"${type}"`);
    });

    it('never wrote a password, a token or an Authorization header value', () => {
      for (const line of instance.logs) {
        for (const secret of secrets) expect(line).not.toContain(secret);
        expect(line).not.toMatch(/Bearer [A-Za-z0-9_-]/);
      }
    });

    it("never wrote a token's signature on its own either", () => {
      const signatures = secrets.map((secret) => secret.split('.')[2] ?? '').filter((signature) => signature.length > 20);
      for (const line of instance.logs) for (const signature of signatures) expect(line).not.toContain(signature);
    });
  });
});

describe('metrics behind a proxy', () => {
  const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
  let instance: TestInstance;
  let closed: TestInstance;

  beforeAll(async () => {
    // Not about storage: instances on the quickest back-end are enough.
    const backend = testBackends().at(-1);
    if (backend === undefined) throw new Error('no test back-end');
    instance = await startTestInstance(backend, { TRUST_PROXY: '127.0.0.1,::1', METRICS_TOKEN });
    closed = await startTestInstance(backend, { TRUST_PROXY: '127.0.0.1,::1' });
  });

  afterAll(async () => {
    await instance?.close();
    await closed?.close();
  });

  it('hides /metrics from a remote client (404)', async () => {
    const response = await instance.request('/metrics', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(response.status).toBe(404);
    await expectErrorBody(response, 'not_found');
  });

  it('refuses a wrong scrape token', async () => {
    const response = await instance.request('/metrics', { headers: { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` } });
    expect(response.status).toBe(404);
  });

  it('serves a remote scraper that presents the scrape token', async () => {
    const response = await instance.request('/metrics', { headers: { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('portcullis_http_request_duration_seconds');
  });

  it('does not take a loopback caller for a scraper: a proxy on this host makes every request loopback', async () => {
    // What a same-host proxy that adds no X-Forwarded-For passes on, and what it passes on for a client saying "127.0.0.1".
    expect((await instance.request('/metrics')).status).toBe(404);
    expect((await instance.request('/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(404);
    expect((await instance.request('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
  });

  it('says at start-up that /metrics needs the token, or that it is closed without one', async () => {
    expect(instance.logs.join('')).toContain('/metrics requires METRICS_TOKEN');
    expect(closed.logs.join('')).toContain('/metrics is closed');
    expect((await closed.request('/metrics')).status).toBe(404);
  });
});
