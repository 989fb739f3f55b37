import type { Clock } from '../clock.js';
import type { UserRow } from '../users/user-store.js';
import type { SessionStore } from './session-store.js';

/**
 * Answers "is this session still active, and whose is it?" for every bearer request. Answers are cached briefly so a
 * revoked session stops working within `ttlMs` on every instance (OWASP ASVS 5.0 §7.4.1) without a query per
 * request. The user row rides along under the same bound: disabling a user or changing a role revokes their
 * sessions, so a cached row is never older than the revocation budget (docs/benchmarks.md: GET /v1/me without a query per call).
 */
export class SessionValidity {
  readonly #cache = new Map<string, { user: UserRow | null; until: number }>();
  readonly #pending = new Map<string, Promise<UserRow | null>>();

  constructor(
    private readonly sessions: SessionStore,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; maxEntries: number } = { ttlMs: 2_000, maxEntries: 50_000 },
  ) {}

  async isActive(sessionId: string): Promise<boolean> {
    return (await this.activeUser(sessionId)) !== null;
  }

  /**
   * The answer still in the cache, `undefined` when there is none: lets the common case go on without a promise and a
   * microtask turn (docs/benchmarks.md, GET /v1/me).
   */
  cached(sessionId: string): UserRow | null | undefined {
    const cached = this.#cache.get(sessionId);
    return cached !== undefined && cached.until > this.clock.now() ? cached.user : undefined;
  }

  /** The user of an active session, or `null` when the session is revoked, ended, or its user disabled. */
  async activeUser(sessionId: string): Promise<UserRow | null> {
    const cached = this.cached(sessionId);
    if (cached !== undefined) return cached;
    const inFlight = this.#pending.get(sessionId);
    if (inFlight !== undefined) return inFlight;
    const lookup = this.sessions
      .findActiveSessionWithUser(sessionId)
      .then((found) => {
        const user = found?.user ?? null;
        if (this.#cache.size >= this.options.maxEntries) this.#cache.clear();
        this.#cache.set(sessionId, { user, until: this.clock.now() + this.options.ttlMs });
        return user;
      })
      .finally(() => this.#pending.delete(sessionId));
    this.#pending.set(sessionId, lookup);
    return lookup;
  }

  /** Drops what this instance knows of a session it has just revoked, so it refuses it at once. */
  forget(sessionId: string): void {
    this.#cache.delete(sessionId);
  }
}
