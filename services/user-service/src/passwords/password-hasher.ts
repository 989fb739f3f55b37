import { randomBytes } from 'node:crypto';
import { hash, parseOptions, type Algorithm } from '@node-rs/argon2';
import { ApiError } from '../errors.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { HashingThreads } from './hashing-threads.js';

// OWASP Password Storage Cheat Sheet / ASVS 5.0 §11.4.2: argon2id with m=19 MiB, t=2, p=1 at least.
const ARGON2ID = 2 as Algorithm;
export const PASSWORD_HASH_PARAMETERS = Object.freeze({ algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Checks a password; `stored` is `null` for an unknown account, which costs the same as a real check. */
  verify(stored: string | null, password: string): Promise<boolean>;
  needsRehash(stored: string): boolean;
  /** Stops the hashing threads. */
  close(): Promise<void>;
}

function busy(): ApiError {
  return new ApiError('unavailable', 'The service is busy; try again in a moment.', { headers: { 'retry-after': '1' } });
}

/**
 * argon2id hashing on threads of its own at a lower CPU priority (never the event loop, never libuv's pool that token
 * checks use), behind a concurrency gate: `concurrency` threads at most, `queue` waiting, beyond that a fast 503.
 */
export async function createPasswordHasher(limits: { concurrency: number; queue: number; nice?: number }): Promise<PasswordHasher> {
  const gate = new ConcurrencyGate(limits);
  const threads = new HashingThreads({ nice: limits.nice ?? 10 });
  // OWASP ASVS 5.0 §6.3.8: unknown accounts are checked against a real hash so timing does not reveal which exist.
  const dummyHash = await hash(randomBytes(32).toString('base64url'), PASSWORD_HASH_PARAMETERS);

  async function gated<T>(job: () => Promise<T>): Promise<T> {
    const outcome = await gate.run(job);
    if (outcome === null) throw busy();
    return outcome.value;
  }

  return {
    hash: (password) => gated(() => threads.hash(password, PASSWORD_HASH_PARAMETERS)),
    verify: async (stored, password) => {
      const matches = await gated(() => threads.verify(stored ?? dummyHash, password).catch(() => false));
      return stored !== null && matches;
    },
    needsRehash: (stored) => {
      try {
        const current = parseOptions(stored);
        return (
          current.algorithm !== ARGON2ID ||
          current.memoryCost < PASSWORD_HASH_PARAMETERS.memoryCost ||
          current.timeCost < PASSWORD_HASH_PARAMETERS.timeCost ||
          current.parallelism !== PASSWORD_HASH_PARAMETERS.parallelism
        );
      } catch {
        return true;
      }
    },
    close: () => threads.close(),
  };
}
