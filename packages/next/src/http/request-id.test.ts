import type { CredentialsConfig } from 'next-auth/providers/credentials';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../logging/logger.js';
import { runInScopeOf } from '../logging/request-scope.js';
import { AuthHarness } from '../test-support/auth-harness.js';
import { acceptRequestId, wellFormedRequestId } from './request-id.js';

let h: AuthHarness;
let lines: Array<Record<string, unknown>>;

function authorize(credentials: Record<string, string>) {
  const provider = h.auth.authOptions.providers[0] as CredentialsConfig;
  return provider.authorize(credentials, { headers: { 'user-agent': 'ua' }, body: {}, query: {}, method: 'POST' });
}

describe('acceptRequestId', () => {
  it('keeps a well-formed incoming id and replaces anything that could smuggle data into logs', () => {
    expect(acceptRequestId('trace-42.abc_DEF')).toBe('trace-42.abc_DEF');
    for (const bad of ['evil id', 'line\nbreak', '"quoted"', 'a'.repeat(129), '', null, undefined]) {
      expect(acceptRequestId(bad)).toMatch(/^[0-9a-f-]{36}$/);
      expect(wellFormedRequestId(bad)).toBeUndefined();
    }
  });
});

describe('request ids through the library', () => {
  beforeEach(async () => {
    lines = [];
    const logger = createJsonLogger({ name: 't', level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    h = await new AuthHarness().start({ logger });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('the proxy gives every request an id, on the forwarded request and on the response', async () => {
    const first = await h.auth.proxy(h.request('/signin'));
    const second = await h.auth.proxy(h.request('/signin'));
    const id = first.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(AuthHarness.forwardedHeader(first, 'x-request-id')).toBe(id);
    expect(second.headers.get('x-request-id')).not.toBe(id);
  });

  it('the proxy keeps a well-formed incoming id and replaces a malformed one', async () => {
    const kept = await h.auth.proxy(h.request('/signin', { headers: { 'x-request-id': 'from-the-edge.1' } }));
    expect(kept.headers.get('x-request-id')).toBe('from-the-edge.1');
    const replaced = await h.auth.proxy(h.request('/signin', { headers: { 'x-request-id': 'a b' } }));
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a refresh in the proxy sends the request id to the user-service and logs it as reqId', async () => {
    const { cookie, token } = await h.signIn();
    h.clock.advance(4_500);
    const response = await h.auth.proxy(h.request('/', { cookie, headers: { 'x-request-id': 'refresh-trace-1' } }));
    expect(AuthHarness.setSessionCookie(response)).toBeTruthy();
    expect(h.backend.callsTo('/v1/auth/refresh')[0]?.headers['x-request-id']).toBe('refresh-trace-1');
    expect(lines.find((line) => line.event === 'refresh.rotated')).toMatchObject({ reqId: 'refresh-trace-1', sid: token.sid });
  });

  it('a sign-in in a route handler scope sends its id to /v1/auth/login and logs it, without the password', async () => {
    const request = new Request('http://localhost:3000/api/auth/callback/credentials', { method: 'POST', headers: { 'x-request-id': 'signin-trace-7' } });
    const user = await runInScopeOf(request, () => authorize({ email: 'alice@example.com', password: 'right' }));
    expect(user).toMatchObject({ id: 'u1' });
    expect(h.backend.callsTo('/v1/auth/login')[0]?.headers['x-request-id']).toBe('signin-trace-7');
    expect(lines.find((line) => line.event === 'login.succeeded')).toMatchObject({ reqId: 'signin-trace-7', userId: 'u1' });
    expect(JSON.stringify(lines)).not.toContain('right');
  });

  it('server components and actions, outside any scope, pass on the id the proxy put on the request', async () => {
    const { cookie } = await h.signIn('USER');
    h.requestHeaders = new Headers({ cookie, 'x-request-id': 'page-trace-3', 'x-portcullis-path': '/admin' });
    await expect(h.auth.requireRole('ADMIN')).rejects.toMatchObject({ code: 'forbidden' });
    expect(h.backend.callsTo('/v1/audit/denials')[0]?.headers['x-request-id']).toBe('page-trace-3');
    expect(lines.find((line) => line.event === 'authz.denied')).toMatchObject({ reqId: 'page-trace-3' });
  });

  it('sends no id when there is none to pass on', async () => {
    await authorize({ email: 'alice@example.com', password: 'right' });
    expect(h.backend.callsTo('/v1/auth/login')[0]?.headers['x-request-id']).toBeUndefined();
  });
});
