import type { Clock } from '../clock.js';
import type { SessionStore } from './session-store.js';

/**
 * Answers "is this session still active?" for every bearer request. Results are cached briefly so a revoked session
 * stops working within `ttlMs` on every instance (OWASP ASVS 5.0 §7.4.1) without a query per request.
 */
export class SessionValidity {
  readonly #cache = new Map<string, { active: boolean; until: number }>();
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(
    private readonly sessions: SessionStore,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; maxEntries: number } = { ttlMs: 2_000, maxEntries: 50_000 },
  ) {}

  async isActive(sessionId: string): Promise<boolean> {
    const cached = this.#cache.get(sessionId);
    if (cached !== undefined && cached.until > this.clock.now()) return cached.active;
    const inFlight = this.#pending.get(sessionId);
    if (inFlight !== undefined) return inFlight;
    const lookup = this.sessions
      .findActiveSession(sessionId)
      .then((session) => {
        const active = session !== null;
        if (this.#cache.size >= this.options.maxEntries) this.#cache.clear();
        this.#cache.set(sessionId, { active, until: this.clock.now() + this.options.ttlMs });
        return active;
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
