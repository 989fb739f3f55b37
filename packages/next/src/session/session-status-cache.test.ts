import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '../backend/user-service-client.js';
import { BackendUnavailableError } from '../errors.js';
import { deferred, ManualClock, silentLogger, type Deferred } from '../test-support/deferred.js';
import { SessionStatusCache } from './session-status-cache.js';

function setup(maxAgeMs = 5_000) {
  const clock = new ManualClock();
  const pending: Deferred<SessionStatus>[] = [];
  const cache = new SessionStatusCache({
    fetchStatus: () => {
      const answer = deferred<SessionStatus>();
      pending.push(answer);
      return answer.promise;
    },
    now: clock.now,
    maxAgeMs,
    logger: silentLogger,
  });
  return { clock, pending, cache };
}

describe('SessionStatusCache', () => {
  it('shares one backend check among concurrent callers', async () => {
    const { pending, cache } = setup();
    const checks = Array.from({ length: 10 }, () => cache.check('s1', 'at'));
    expect(pending).toHaveLength(1);
    pending[0]?.resolve('active');
    expect(await Promise.all(checks)).toEqual(Array(10).fill('active'));
  });

  it('reuses a positive answer for at most maxAge, measured from when the question was asked', async () => {
    const { pending, cache, clock } = setup(5_000);
    const first = cache.check('s1', 'at');
    clock.advance(1_000); // the backend took a second to answer
    pending[0]?.resolve('active');
    await first;
    clock.advance(3_999);
    expect(await cache.check('s1', 'at')).toBe('active');
    expect(pending).toHaveLength(1);
    clock.advance(1);
    void cache.check('s1', 'at');
    expect(pending).toHaveLength(2);
  });

  it('sees a revocation at the backend on the first check after maxAge', async () => {
    const { pending, cache, clock } = setup(5_000);
    const first = cache.check('s1', 'at');
    pending[0]?.resolve('active');
    await first;
    clock.advance(5_000);
    const second = cache.check('s1', 'at');
    pending[1]?.resolve('revoked');
    expect(await second).toBe('revoked');
    clock.advance(60_000);
    expect(await cache.check('s1', 'at')).toBe('revoked');
    expect(pending).toHaveLength(2);
  });

  it('never lets an answer asked before markRevoked overwrite it', async () => {
    const { pending, cache } = setup();
    const inFlight = cache.check('s1', 'at');
    cache.markRevoked('s1');
    pending[0]?.resolve('active');
    expect(await inFlight).toBe('revoked');
    expect(await cache.check('s1', 'at')).toBe('revoked');
  });

  it('says unknown when the backend cannot be asked, and does not remember it', async () => {
    const { pending, cache } = setup();
    const down = cache.check('s1', 'at');
    pending[0]?.reject(new BackendUnavailableError());
    expect(await down).toBe('unknown');
    void cache.check('s1', 'at');
    expect(pending).toHaveLength(2);
  });

  it('with maxAge 0 asks every time', async () => {
    const { pending, cache } = setup(0);
    const first = cache.check('s1', 'at');
    pending[0]?.resolve('active');
    await first;
    void cache.check('s1', 'at');
    expect(pending).toHaveLength(2);
  });
});
