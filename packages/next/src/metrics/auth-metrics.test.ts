import type { CredentialsConfig } from 'next-auth/providers/credentials';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthHarness } from '../test-support/auth-harness.js';
import { deferred } from '../test-support/deferred.js';
import { createAuthMetrics, processMetrics, type AuthMetrics } from './auth-metrics.js';

let h: AuthHarness;
let metrics: AuthMetrics;
/** The next backend call fails with this instead of reaching the fake service (a timeout without waiting for one). */
let failNextCall: Error | undefined;

beforeEach(async () => {
  metrics = createAuthMetrics();
  failNextCall = undefined;
  const fetchOrFail: typeof fetch = (input, init) => {
    const failure = failNextCall;
    failNextCall = undefined;
    return failure ? Promise.reject(failure) : fetch(input, init);
  };
  h = await new AuthHarness().start({ metrics, fetch: fetchOrFail });
});
afterEach(async () => {
  await h.stop();
});

/** The value of one series, 0 when it has not been touched. */
async function value(name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const series = values.find((entry) => Object.entries(labels).every(([key, expected]) => entry.labels[key] === expected));
  return series?.value ?? 0;
}

function authorize(password: string) {
  const provider = h.auth.authOptions.providers[0] as CredentialsConfig;
  return provider.authorize({ email: 'alice@example.com', password }, { headers: {}, body: {}, query: {}, method: 'POST' });
}

describe('auth metrics', () => {
  it('counts sign-ins by outcome', async () => {
    await authorize('right');
    await authorize('wrong');
    await authorize('wrong');
    await expect(authorize('throttle')).rejects.toThrow();
    expect(await value('portcullis_web_auth_events_total', { event: 'signin', outcome: 'succeeded' })).toBe(1);
    expect(await value('portcullis_web_auth_events_total', { event: 'signin', outcome: 'invalid_credentials' })).toBe(2);
    expect(await value('portcullis_web_auth_events_total', { event: 'signin', outcome: 'rate_limited' })).toBe(1);
    expect(await value('portcullis_web_backend_requests_total', { operation: 'login', outcome: 'rejected' })).toBe(3);
  });

  it('counts single-flight hits: 20 parallel requests with a due token make one started refresh and 19 joined', async () => {
    const { cookie } = await h.signIn();
    h.clock.advance(4_500);
    // The backend holds the refresh until all 20 have reached the single flight, so a slow machine where the first
    // request finishes before the last one starts cannot turn "joined" into "reused".
    const refreshAnswer = deferred<void>();
    h.backend.override = async (call) => {
      if (call.path === '/v1/auth/refresh') await refreshAnswer.promise;
      return false;
    };
    const storm = Promise.all(Array.from({ length: 20 }, () => h.auth.proxy(h.request('/api/bff/me', { cookie }))));
    const inFlight = async () =>
      (await value('portcullis_web_refresh_single_flight_total', { result: 'started' })) +
      (await value('portcullis_web_refresh_single_flight_total', { result: 'joined' }));
    await vi.waitFor(async () => expect(await inFlight()).toBe(20));
    refreshAnswer.resolve();
    await storm;
    h.backend.override = undefined;
    expect(await value('portcullis_web_refresh_single_flight_total', { result: 'started' })).toBe(1);
    expect(await value('portcullis_web_refresh_single_flight_total', { result: 'joined' })).toBe(19);
    expect(await value('portcullis_web_auth_events_total', { event: 'refresh', outcome: 'rotated' })).toBe(1);

    // A late request with the old cookie gets the remembered answer, not a second backend call.
    await h.auth.proxy(h.request('/api/bff/me', { cookie }));
    expect(await value('portcullis_web_refresh_single_flight_total', { result: 'reused' })).toBe(1);
    expect(await value('portcullis_web_backend_requests_total', { operation: 'refresh', outcome: 'ok' })).toBe(1);
  });

  it('counts refused refreshes and authorization denials', async () => {
    const { cookie, token } = await h.signIn('USER');
    const session = h.backend.sessions.get(token.sid);
    if (session) session.revoked = true;
    h.clock.advance(4_500);
    await h.auth.proxy(h.request('/', { cookie }));
    expect(await value('portcullis_web_auth_events_total', { event: 'refresh', outcome: 'rejected' })).toBe(1);

    const other = await h.signIn('USER');
    h.requestHeaders = new Headers({ cookie: other.cookie });
    await expect(h.auth.requireRole('ADMIN')).rejects.toMatchObject({ code: 'forbidden' });
    expect(await value('portcullis_web_auth_events_total', { event: 'authz', outcome: 'denied' })).toBe(1);
  });

  it('counts backend failures by reason: 5xx, refused connection, timeout', async () => {
    const { cookie } = await h.signIn();
    h.backend.override = (call, res) => {
      if (call.path !== '/v1/auth/session') return false;
      res.writeHead(500).end();
      return true;
    };
    await h.auth.proxy(h.request('/', { cookie }));
    expect(await value('portcullis_web_backend_failures_total', { operation: 'session_status', reason: 'server_error' })).toBe(1);

    h.backend.override = undefined;
    failNextCall = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    await expect(authorize('right')).rejects.toThrow(/^Unavailable$/);
    expect(await value('portcullis_web_backend_failures_total', { operation: 'login', reason: 'timeout' })).toBe(1);
    expect(await value('portcullis_web_auth_events_total', { event: 'signin', outcome: 'unavailable' })).toBe(1);

    await h.backend.stop();
    await expect(authorize('right')).rejects.toThrow(/^Unavailable$/);
    expect(await value('portcullis_web_backend_failures_total', { operation: 'login', reason: 'network' })).toBe(1);
    expect(await value('portcullis_web_backend_requests_total', { operation: 'login', outcome: 'unavailable' })).toBe(2);
    await h.backend.start();
  });

  it('times backend calls per operation, never per path', async () => {
    await authorize('right');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/portcullis_web_backend_request_duration_seconds_count\{operation="login"\} 1/);
    expect(text).not.toContain('/v1/');
  });

  it('shares one process-wide instance between the bundles Next.js builds', () => {
    expect(processMetrics()).toBe(processMetrics());
  });
});
