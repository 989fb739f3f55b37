import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../errors.js';
import { deferred, ManualClock } from '../test-support/deferred.js';
import { OidcDiscovery } from './discovery.js';
import { EndedSessions } from './ended-sessions.js';

const ISSUER = 'http://localhost:4000';
const document = (issuer = ISSUER) => ({
  issuer,
  authorization_endpoint: `${issuer}/oidc/auth`,
  token_endpoint: `${issuer}/oidc/token`,
  jwks_uri: `${issuer}/oidc/jwks`,
  end_session_endpoint: `${issuer}/oidc/session/end`,
  id_token_signing_alg_values_supported: ['EdDSA'],
});

describe('OidcDiscovery', () => {
  it('reads the document once for concurrent callers and reuses it', async () => {
    const clock = new ManualClock();
    const urls: string[] = [];
    const answer = deferred<Response>();
    const discovery = new OidcDiscovery({ issuer: ISSUER, timeoutMs: 1_000, now: clock.now, maxAgeMs: 60_000, fetch: (url) => (urls.push(String(url)), answer.promise) });
    const both = Promise.all([discovery.metadata(), discovery.metadata()]);
    answer.resolve(Response.json(document()));
    const [first, second] = await both;
    expect(first.token_endpoint).toBe(`${ISSUER}/oidc/token`);
    expect(second).toBe(first);
    expect(urls).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
    await discovery.metadata();
    expect(urls).toHaveLength(1);
  });

  it('refuses a document that names another issuer (OpenID Connect Discovery §4.3)', async () => {
    const discovery = new OidcDiscovery({ issuer: ISSUER, timeoutMs: 1_000, now: Date.now, fetch: async () => Response.json(document('http://evil.example')) });
    await expect(discovery.metadata()).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it('does not keep a failure: the next caller asks again', async () => {
    let calls = 0;
    const discovery = new OidcDiscovery({
      issuer: ISSUER,
      timeoutMs: 1_000,
      now: Date.now,
      fetch: async () => {
        calls += 1;
        return calls === 1 ? new Response(null, { status: 503 }) : Response.json(document());
      },
    });
    await expect(discovery.metadata()).rejects.toBeInstanceOf(BackendUnavailableError);
    expect((await discovery.metadata()).issuer).toBe(ISSUER);
  });
});

describe('EndedSessions', () => {
  it('remembers an ended provider session and a used logout token id for the TTL only', () => {
    const clock = new ManualClock();
    const ended = new EndedSessions({ now: clock.now, ttlMs: 60_000 });
    ended.end('op-sid');
    expect(ended.isEnded('op-sid')).toBe(true);
    expect(ended.isEnded('other')).toBe(false);
    expect(ended.isEnded(undefined)).toBe(false);
    expect(ended.firstUse('jti-1')).toBe(true);
    expect(ended.firstUse('jti-1')).toBe(false);
    clock.advance(60_001);
    expect(ended.isEnded('op-sid')).toBe(false);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const ended = new EndedSessions({ now: () => 0, ttlMs: 60_000, maxEntries: 2 });
    ended.end('a');
    ended.end('b');
    ended.end('c');
    expect([ended.isEnded('a'), ended.isEnded('b'), ended.isEnded('c')]).toEqual([false, true, true]);
  });
});
