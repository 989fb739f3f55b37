import { randomBytes } from 'node:crypto';
import { hash, parseOptions, type Algorithm } from '@node-rs/argon2';
import { ApiError } from '../errors.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { HASHING_LANES, type HashingLane } from './hashing-lanes.js';
import { HashingThreads } from './hashing-threads.js';

// OWASP Password Storage Cheat Sheet / ASVS 5.0 §11.4.2: argon2id with m=19 MiB, t=2, p=1 at least.
const ARGON2ID = 2 as Algorithm;
export const PASSWORD_HASH_PARAMETERS = Object.freeze({ algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export interface PasswordHasher {
  /** Hashes a password someone has just proved or an administrator sets: in the highest lane. */
  hash(password: string): Promise<string>;
  /**
   * Checks a password in `lane`; `stored` is `null` for an unknown account, which costs the same as a real check in
   * the same lane. Throws {@link PasswordHashingBusy} when the lane's queue is full.
   */
  verify(stored: string | null, password: string, options: { lane: HashingLane }): Promise<boolean>;
  /** Whether a check in `lane` would run or wait now: lets a caller refuse before looking anything up. */
  hasRoomFor(lane: HashingLane): boolean;
  needsRehash(stored: string): boolean;
  /** Stops the hashing threads. */
  close(): Promise<void>;
}

/** The hashing queue had no room: a refusal for load, never a verdict on the credentials (503, retry shortly). */
export class PasswordHashingBusy extends ApiError {
  constructor() {
    super('unavailable', 'The service is busy; try again in a moment.', { headers: { 'retry-after': '1' } });
  }
}

/**
 * argon2id hashing on threads of its own at a lower CPU priority (never the event loop, never libuv's pool that token
 * checks use), behind a concurrency gate: `concurrency` threads at most; the `known` and `fresh` lanes may each have
 * `queue` checks waiting, the `failing` lane an eighth of that; beyond that a fast 503.
 */
export async function createPasswordHasher(
  limits: { concurrency: number; queue: number; nice?: number },
  options: { threads?: Pick<HashingThreads, 'hash' | 'verify' | 'close'> } = {},
): Promise<PasswordHasher> {
  // Failing addresses get an eighth of the queue (at least a round of the threads): the rest of them is refused early.
  const laneQueue = (lane: HashingLane): number =>
    lane === 'failing' ? Math.min(limits.queue, Math.max(limits.concurrency, Math.floor(limits.queue / 8))) : limits.queue;
  const gate = new ConcurrencyGate<HashingLane>({
    concurrency: limits.concurrency,
    lanes: HASHING_LANES.map((lane) => ({ name: lane, queue: laneQueue(lane) })),
  });
  const threads = options.threads ?? new HashingThreads({ nice: limits.nice ?? 10 });
  // OWASP ASVS 5.0 §6.3.8: unknown accounts are checked against a real hash so timing does not reveal which exist.
  const dummyHash = await hash(randomBytes(32).toString('base64url'), PASSWORD_HASH_PARAMETERS);

  async function gated<T>(job: () => Promise<T>, lane: HashingLane): Promise<T> {
    const outcome = await gate.run(job, { lane });
    if (outcome === null) throw new PasswordHashingBusy();
    return outcome.value;
  }

  return {
    hash: (password) => gated(() => threads.hash(password, PASSWORD_HASH_PARAMETERS), 'known'),
    verify: async (stored, password, options) => {
      const matches = await gated(() => threads.verify(stored ?? dummyHash, password).catch(() => false), options.lane);
      return stored !== null && matches;
    },
    hasRoomFor: (lane) => gate.hasRoomFor(lane),
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
