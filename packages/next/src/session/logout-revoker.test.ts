import { describe, expect, it } from 'vitest';
import { BackendRejectedError, BackendUnavailableError } from '../errors.js';
import { LogoutRevoker } from './logout-revoker.js';

function setup(failures: number, options: { rejectWith?: Error } = {}) {
  const attempts: string[] = [];
  const slept: number[] = [];
  const scheduled: Array<{ task: () => void; ms: number }> = [];
  const events: string[] = [];
  let remaining = failures;
  const revoker = new LogoutRevoker({
    logout: async (refreshToken) => {
      attempts.push(refreshToken);
      if (options.rejectWith) throw options.rejectWith;
      if (remaining-- > 0) throw new BackendUnavailableError();
    },
    retryDelaysMs: [200, 1_000],
    backgroundDelaysMs: [5_000, 60_000],
    sleep: async (ms) => {
      slept.push(ms);
    },
    schedule: (task, ms) => scheduled.push({ task, ms }),
    logger: {
      debug: () => {},
      info: (fields) => events.push(String(fields.event)),
      warn: (fields) => events.push(String(fields.event)),
      error: (fields) => events.push(String(fields.event)),
    },
  });
  return { attempts, slept, scheduled, events, revoker };
}

const subject = { sid: 's1', sub: 'u1', refreshToken: 'rt' };
const client = { ip: undefined, userAgent: undefined };
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('LogoutRevoker', () => {
  it('revokes at the first attempt when the backend answers', async () => {
    const { attempts, revoker } = setup(0);
    expect(await revoker.revoke(subject, client)).toBe('revoked');
    expect(attempts).toEqual(['rt']);
  });

  it('retries in line before giving the answer', async () => {
    const { attempts, slept, revoker, events } = setup(2);
    expect(await revoker.revoke(subject, client)).toBe('revoked');
    expect(attempts).toHaveLength(3);
    expect(slept).toEqual([200, 1_000]);
    expect(events.filter((e) => e === 'logout.failed')).toHaveLength(2);
  });

  it('queues a revocation that keeps failing and retries it in the background until it succeeds', async () => {
    const { attempts, scheduled, revoker } = setup(4);
    expect(await revoker.revoke(subject, client)).toBe('queued');
    expect(revoker.queued).toBe(1);
    expect(scheduled.map((s) => s.ms)).toEqual([5_000]);
    scheduled[0]?.task();
    await settle();
    expect(scheduled.map((s) => s.ms)).toEqual([5_000, 60_000]);
    scheduled[1]?.task();
    await settle();
    expect(attempts).toHaveLength(5);
    expect(revoker.queued).toBe(0);
  });

  it('logs that it gave up when every retry failed, never dropping silently', async () => {
    const { scheduled, revoker, events } = setup(100);
    await revoker.revoke(subject, client);
    scheduled[0]?.task();
    await settle();
    scheduled[1]?.task();
    await settle();
    expect(events.at(-1)).toBe('logout.abandoned');
    expect(revoker.queued).toBe(0);
  });

  it('treats a refresh token the backend no longer knows as already revoked', async () => {
    const { attempts, revoker } = setup(0, { rejectWith: new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: 401 }) });
    expect(await revoker.revoke(subject, client)).toBe('revoked');
    expect(attempts).toHaveLength(1);
  });
});
