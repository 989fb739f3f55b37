import { describe, expect, it } from 'vitest';
import { createPasswordHasher, PasswordHashingBusy } from './password-hasher.js';
import type { HashingThreads } from './hashing-threads.js';

/** Hashing threads whose checks finish only when the test says so, recording the order they started in. */
function heldThreads(): { threads: Pick<HashingThreads, 'hash' | 'verify' | 'close'>; started: string[]; finishNext(): void } {
  const started: string[] = [];
  const finishers: Array<() => void> = [];
  return {
    started,
    threads: {
      hash: async () => '$argon2id$unused',
      verify: (_stored, password) =>
        new Promise<boolean>((resolve) => {
          started.push(password);
          finishers.push(() => resolve(false));
        }),
      close: async () => undefined,
    },
    finishNext: () => finishers.shift()?.(),
  };
}

async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
}

describe('password hasher lanes during a flood', () => {
  it('lets a known sign-in go next while the flood fills the fresh and failing lanes, and refuses the overflow as busy', async () => {
    const held = heldThreads();
    // One thread, 16 waiting per lane: the failing lane gets an eighth, 2.
    const hasher = await createPasswordHasher({ concurrency: 1, queue: 16 }, { threads: held.threads });
    const flood = [
      ...Array.from({ length: 17 }, (_, index) => hasher.verify(null, `fresh-${index}`, { lane: 'fresh' })),
      ...Array.from({ length: 2 }, (_, index) => hasher.verify(null, `failing-${index}`, { lane: 'failing' })),
    ];
    expect(hasher.hasRoomFor('fresh')).toBe(false);
    expect(hasher.hasRoomFor('failing')).toBe(false);
    await expect(hasher.verify(null, 'one too many', { lane: 'fresh' })).rejects.toBeInstanceOf(PasswordHashingBusy);
    await expect(hasher.verify(null, 'failing again', { lane: 'failing' })).rejects.toBeInstanceOf(PasswordHashingBusy);

    expect(hasher.hasRoomFor('known')).toBe(true);
    const known = hasher.verify('$argon2id$stored', 'known user', { lane: 'known' });
    held.finishNext();
    await settle();
    expect(held.started).toEqual(['fresh-0', 'known user']);

    held.finishNext();
    await known;
    for (let index = 0; index < 18; index += 1) {
      await settle();
      held.finishNext();
    }
    await Promise.all(flood);
    expect(held.started.slice(-2)).toEqual(['failing-0', 'failing-1']);
  });
});
