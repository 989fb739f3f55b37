import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD_HASH_PARAMETERS, createPasswordHasher } from './password-hasher.js';
import { HashingThreads } from './hashing-threads.js';

/** Nice values of this process's threads (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]));
}

describe('password hashing threads', () => {
  const threads = new HashingThreads({ nice: 7 });
  afterAll(() => threads.close());

  it('hash and verify argon2id off the event loop', async () => {
    const stored = await threads.hash('correct horse', PASSWORD_HASH_PARAMETERS);
    expect(stored.startsWith('$argon2id$')).toBe(true);
    await expect(threads.verify(stored, 'correct horse')).resolves.toBe(true);
    await expect(threads.verify(stored, 'wrong')).resolves.toBe(false);
    await expect(threads.verify('not a hash', 'x')).rejects.toThrow();
  });

  it.skipIf(!existsSync('/proc/self/task'))('run at a lower CPU priority than the rest of the process, on their own thread only', async () => {
    await threads.verify(await threads.hash('x', PASSWORD_HASH_PARAMETERS), 'x');
    const nice = threadNiceValues();
    expect(nice).toContain(7);
    // The event loop's thread and libuv's pool keep their priority.
    expect(nice.filter((value) => value === 0).length).toBeGreaterThan(1);
  });

  it('refuse work once closed, and the hasher answers false for a stored value that is not a hash', async () => {
    const hasher = await createPasswordHasher({ concurrency: 1, queue: 4 });
    await expect(hasher.verify('garbage', 'x', { lane: 'fresh' })).resolves.toBe(false);
    await hasher.close();
    await expect(hasher.hash('x')).rejects.toThrow(/closed/);
  });
});
