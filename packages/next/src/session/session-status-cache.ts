import type { SessionStatus } from '../backend/user-service-client.js';
import type { Logger } from '../logging/logger.js';

/** `unknown`: the backend could not be asked; the caller decides (the proxy keeps the session). */
export type SessionCheck = SessionStatus | 'unknown';

export interface SessionStatusCacheOptions {
  fetchStatus: (accessToken: string) => Promise<SessionStatus>;
  now: () => number;
  /** A positive answer is reused this long (≤ 5 s: revocation must reach the app within seconds, ASVS 5.0 §7.4.1). */
  maxAgeMs: number;
  logger: Logger;
  /** How long a negative answer is remembered; a revoked session never comes back. */
  revokedTtlMs?: number;
  maxEntries?: number;
}

interface Entry {
  status: SessionStatus;
  /** When the check that produced it started: an answer is never considered fresher than its question. */
  checkedAt: number;
}

/**
 * Asks the user-service whether a session (`sid`) is still alive, at most once per `maxAgeMs` per session and
 * process, with concurrent callers sharing one request. A generation number per session makes sure an
 * answer that started before `markRevoked` cannot overwrite it afterwards.
 */
export class SessionStatusCache {
  readonly #options: Required<SessionStatusCacheOptions>;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<SessionCheck>>();
  readonly #generations = new Map<string, number>();

  constructor(options: SessionStatusCacheOptions) {
    this.#options = { revokedTtlMs: 10 * 60_000, maxEntries: 50_000, ...options };
  }

  check(sid: string, accessToken: string): Promise<SessionCheck> {
    const entry = this.#entries.get(sid);
    const age = entry ? this.#options.now() - entry.checkedAt : Number.POSITIVE_INFINITY;
    if (entry?.status === 'revoked' && age <= this.#options.revokedTtlMs) return Promise.resolve('revoked');
    if (entry?.status === 'active' && age < this.#options.maxAgeMs) return Promise.resolve('active');

    const pending = this.#pending.get(sid);
    if (pending) return pending;

    const promise: Promise<SessionCheck> = this.#ask(sid, accessToken).finally(() => {
      if (this.#pending.get(sid) === promise) this.#pending.delete(sid);
    });
    this.#pending.set(sid, promise);
    return promise;
  }

  /** The backend just vouched for this session (a refresh succeeded). */
  markActive(sid: string): void {
    this.#store(sid, { status: 'active', checkedAt: this.#options.now() });
  }

  /** This process ended the session (sign-out, refused refresh): stop trusting older answers at once. */
  markRevoked(sid: string): void {
    this.#generations.set(sid, this.#generationOf(sid) + 1);
    this.#pending.delete(sid);
    this.#store(sid, { status: 'revoked', checkedAt: this.#options.now() });
  }

  async #ask(sid: string, accessToken: string): Promise<SessionCheck> {
    const generation = this.#generationOf(sid);
    const startedAt = this.#options.now();
    let status: SessionStatus;
    try {
      status = await this.#options.fetchStatus(accessToken);
    } catch (error) {
      this.#options.logger.error({ event: 'session_check.unavailable', sid, error }, 'session check failed');
      return 'unknown';
    }
    // An older question must not overwrite a newer answer (jose's remote JWKS keeps the same rule).
    if (this.#generationOf(sid) !== generation) return this.#entries.get(sid)?.status ?? 'unknown';
    this.#store(sid, { status, checkedAt: startedAt });
    if (status === 'revoked') this.#options.logger.warn({ event: 'session_check.revoked', sid }, 'session revoked at the backend');
    return status;
  }

  #generationOf(sid: string): number {
    return this.#generations.get(sid) ?? 0;
  }

  #store(sid: string, entry: Entry): void {
    this.#entries.delete(sid);
    if (this.#entries.size >= this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) {
        this.#entries.delete(oldest.value);
        this.#generations.delete(oldest.value);
      }
    }
    this.#entries.set(sid, entry);
  }
}
