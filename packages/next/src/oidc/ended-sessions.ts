export interface EndedSessionsOptions {
  now: () => number;
  /** How long an ended provider session is remembered; longer than a session cookie can go unchecked. */
  ttlMs: number;
  maxEntries?: number;
}

/**
 * The provider sessions (`sid` of a back-channel logout token) and logout token ids (`jti`) this process has seen
 * end. Memory per instance: with several instances behind a load balancer only the one that received the logout
 * token knows at once — the others end the session at their next revocation check on our own `sid` (at most 5 s,
 * the provider revokes that session too), which is the documented backstop.
 */
export class EndedSessions {
  readonly #options: Required<EndedSessionsOptions>;
  readonly #ended = new Map<string, number>();
  readonly #seenJtis = new Map<string, number>();

  constructor(options: EndedSessionsOptions) {
    this.#options = { maxEntries: 100_000, ...options };
  }

  end(providerSid: string): void {
    remember(this.#ended, providerSid, this.#options);
  }

  isEnded(providerSid: string | undefined): boolean {
    return providerSid !== undefined && alive(this.#ended, providerSid, this.#options.now());
  }

  /** True the first time a logout token id is seen; false for a replay within the TTL. */
  firstUse(jti: string): boolean {
    if (alive(this.#seenJtis, jti, this.#options.now())) return false;
    remember(this.#seenJtis, jti, this.#options);
    return true;
  }
}

function alive(map: Map<string, number>, key: string, now: number): boolean {
  const until = map.get(key);
  return until !== undefined && until > now;
}

function remember(map: Map<string, number>, key: string, options: Required<EndedSessionsOptions>): void {
  const now = options.now();
  // Insertion order is expiry order (one TTL): drop expired entries from the front, and the oldest when full.
  for (const [oldKey, until] of map) {
    if (until <= now || map.size >= options.maxEntries) map.delete(oldKey);
    else break;
  }
  map.delete(key);
  map.set(key, now + options.ttlMs);
}
