import type { TokenResponse } from '@portcullis/contracts';
import { describe, expect, it } from 'vitest';
import { BackendRejectedError, BackendUnavailableError } from '../errors.js';
import { deferred, ManualClock, silentLogger, type Deferred } from '../test-support/deferred.js';
import { FakeUserService } from '../test-support/fake-user-service.js';
import { sessionTokenFromResponse } from './session-token.js';
import { TokenRefresher } from './token-refresher.js';

const client = { ip: '203.0.113.9', userAgent: 'test' };
const schedule = { refreshLeadSeconds: 60 };

function setup() {
  const clock = new ManualClock();
  const fake = new FakeUserService();
  fake.now = clock.now;
  const pending: Deferred<TokenResponse>[] = [];
  const presented: string[] = [];
  const refresher = new TokenRefresher({
    refresh: (refreshToken) => {
      presented.push(refreshToken);
      const answer = deferred<TokenResponse>();
      pending.push(answer);
      return answer.promise;
    },
    now: clock.now,
    schedule,
    logger: silentLogger,
  });
  const token = sessionTokenFromResponse(fake.issue(), clock.now(), schedule);
  return { clock, fake, pending, presented, refresher, token };
}

describe('TokenRefresher', () => {
  it('makes one backend call for 20 concurrent refreshes of the same token, and all of them get the result', async () => {
    const { fake, pending, presented, refresher, token } = setup();
    const results = Array.from({ length: 20 }, () => refresher.refresh(token, client));
    expect(presented).toEqual([token.refreshToken]);
    expect(refresher.inFlight).toBe(1);

    const rotated = fake.issue();
    pending[0]?.resolve(rotated);
    const outcomes = await Promise.all(results);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ kind: 'rotated', token: { refreshToken: rotated.refreshToken } });
    }
    expect(refresher.inFlight).toBe(0);
  });

  it('hands a finished rotation to a late request that still carries the old cookie', async () => {
    const { fake, pending, presented, refresher, token, clock } = setup();
    const first = refresher.refresh(token, client);
    pending[0]?.resolve(fake.issue());
    await first;
    clock.advance(2_000);
    const late = await refresher.refresh(token, client);
    expect(late.kind).toBe('rotated');
    expect(presented).toHaveLength(1);
  });

  it('asks the backend again once the remembered result is older than its lifetime', async () => {
    const { fake, pending, presented, refresher, token, clock } = setup();
    const first = refresher.refresh(token, client);
    pending[0]?.resolve(fake.issue());
    await first;
    clock.advance(5_001);
    void refresher.refresh(token, client);
    expect(presented).toHaveLength(2);
  });

  it('remembers a rotation no longer than the grace window the backend announced with it', async () => {
    const { fake, pending, presented, refresher, token, clock } = setup();
    fake.refreshReuseGraceSeconds = 2;
    const first = refresher.refresh(token, client);
    clock.advance(100);
    pending[0]?.resolve(fake.issue());
    await first;
    clock.advance(1_800);
    expect(await refresher.refresh(token, client)).toMatchObject({ kind: 'rotated' });
    expect(presented).toHaveLength(1);
    // Two seconds after the request left, the backend no longer honours the old token: neither do we.
    clock.advance(100);
    const replay = refresher.refresh(token, client);
    expect(presented).toHaveLength(2);
    pending[1]?.reject(new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: 401 }));
    expect(await replay).toEqual({ kind: 'rejected', reason: 'invalid_grant' });
  });

  it('remembers an OpenID Provider rotation, which announces no grace, for the short default only', async () => {
    const clock = new ManualClock();
    const fake = new FakeUserService();
    fake.now = clock.now;
    const presented: string[] = [];
    const refresher = new TokenRefresher({
      refresh: () => Promise.reject(new Error('not the credentials endpoint')),
      refreshOidc: (current) => {
        presented.push(current.refreshToken);
        return Promise.resolve({ ...sessionTokenFromResponse(fake.issue(), clock.now(), schedule), oidc: { idToken: 'id' } });
      },
      now: clock.now,
      schedule,
      logger: silentLogger,
    });
    const token = { ...sessionTokenFromResponse(fake.issue(), clock.now(), schedule), oidc: { idToken: 'id' } };
    await refresher.refresh(token, client);
    clock.advance(4_900);
    await refresher.refresh(token, client);
    expect(presented).toHaveLength(1);
    clock.advance(200);
    await refresher.refresh(token, client);
    expect(presented).toHaveLength(2);
  });

  it('hands a finished rotation only to the browser that made it: another client goes to the backend', async () => {
    const { fake, pending, presented, refresher, token } = setup();
    const first = refresher.refresh(token, client);
    pending[0]?.resolve(fake.issue());
    await first;
    const thief = refresher.refresh(token, { ip: '198.51.100.7', userAgent: client.userAgent });
    const otherBrowser = refresher.refresh(token, { ip: client.ip, userAgent: 'another browser' });
    expect(presented).toHaveLength(3);
    pending[1]?.reject(new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: 401 }));
    pending[2]?.reject(new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: 401 }));
    expect(await thief).toEqual({ kind: 'rejected', reason: 'invalid_grant' });
    expect(await otherBrowser).toEqual({ kind: 'rejected', reason: 'invalid_grant' });
  });

  it('does not let another client join a rotation in flight', async () => {
    const { fake, pending, presented, refresher, token } = setup();
    const victim = refresher.refresh(token, client);
    const thief = refresher.refresh(token, { ip: '198.51.100.7', userAgent: 'thief' });
    expect(presented).toHaveLength(2);
    pending[0]?.resolve(fake.issue());
    pending[1]?.reject(new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: 401 }));
    expect(await victim).toMatchObject({ kind: 'rotated' });
    expect(await thief).toEqual({ kind: 'rejected', reason: 'invalid_grant' });
  });

  it('counts an IPv6 browser by its /64, as the user-service does', async () => {
    const { fake, pending, presented, refresher, token } = setup();
    const first = refresher.refresh(token, { ip: '2001:db8:5:6::1', userAgent: 'phone' });
    pending[0]?.resolve(fake.issue());
    await first;
    expect(await refresher.refresh(token, { ip: '2001:db8:5:6:ffff::2', userAgent: 'phone' })).toMatchObject({ kind: 'rotated' });
    expect(presented).toHaveLength(1);
  });

  it('reports a refused refresh token as the end of the session', async () => {
    const { pending, refresher, token } = setup();
    const outcome = refresher.refresh(token, client);
    pending[0]?.reject(new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: 401 }));
    expect(await outcome).toEqual({ kind: 'rejected', reason: 'invalid_grant' });
  });

  it('keeps the session through an outage and throttling, and tries again on the next request', async () => {
    const { pending, presented, refresher, token } = setup();
    const down = refresher.refresh(token, client);
    pending[0]?.reject(new BackendUnavailableError());
    expect(await down).toEqual({ kind: 'unavailable' });

    const throttled = refresher.refresh(token, client);
    expect(presented).toHaveLength(2);
    pending[1]?.reject(new BackendRejectedError({ backendCode: 'rate_limited', backendStatus: 429, retryAfterSeconds: 3 }));
    expect(await throttled).toEqual({ kind: 'unavailable' });
  });

  it('computes the next refresh time from the new token', async () => {
    const { fake, pending, refresher, token, clock } = setup();
    fake.accessTokenTtlMs = 5_000;
    const outcome = refresher.refresh(token, client);
    pending[0]?.resolve(fake.issue());
    const result = await outcome;
    if (result.kind !== 'rotated') throw new Error('expected a rotation');
    // 5 s lifetime: a fifth of it (1 s) ahead of expiry, not the 60 s default.
    expect(result.token.refreshAt).toBe(clock.now() + 4_000);
  });
});
