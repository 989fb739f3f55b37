import { createHash } from 'node:crypto';
import type { TokenResponse } from '@portcullis/contracts';
import type { ClientInfo } from '../backend/client-info.js';
import { BackendRejectedError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { AuthMetrics } from '../metrics/auth-metrics.js';
import { sessionTokenFromResponse, type RefreshScheduleOptions, type SessionToken } from './session-token.js';

export type RefreshOutcome =
  | { kind: 'rotated'; token: SessionToken }
  /** The backend refused the refresh token (revoked, reused, expired): the session is over. */
  | { kind: 'rejected'; reason: string }
  /** The backend could not answer (down, 5xx, throttled): keep the session, try again later. */
  | { kind: 'unavailable' };

export interface TokenRefresherOptions {
  /** Credentials mode: `/v1/auth/refresh`. */
  refresh: (refreshToken: string, client: ClientInfo) => Promise<TokenResponse>;
  /**
   * oidc mode: the provider's token endpoint, for sessions that came from single sign-on. Unset (credentials
   * mode only), such a session is refused. Same errors as `refresh`: `BackendRejectedError` ends the session.
   */
  refreshOidc?: (current: SessionToken) => Promise<SessionToken>;
  now: () => number;
  schedule: RefreshScheduleOptions;
  logger: Logger;
  /** Counts how callers met the single-flight and how rotations ended. */
  metrics?: Pick<AuthMetrics, 'refreshFlight' | 'authEvent'>;
  /**
   * How long a finished rotation is handed to late requests that still carry the old cookie. Shorter than
   * the backend's reuse grace (30 s), which covers the same case across instances.
   */
  recentResultTtlMs?: number;
  maxRecentResults?: number;
}

interface RecentResult {
  outcome: RefreshOutcome;
  until: number;
}

/**
 * Rotates refresh tokens with one backend call per token per process: every concurrent caller holding the
 * same refresh token shares one pending promise (single-flight, as panva/jose's remote JWKS reload), and a
 * caller that arrives just after it finished gets the same answer. Without this, parallel requests would
 * each present the same refresh token and trip reuse detection (RFC 9700 §4.14.2).
 */
export class TokenRefresher {
  readonly #options: Required<Omit<TokenRefresherOptions, 'metrics' | 'refreshOidc'>>;
  readonly #refreshOidc: TokenRefresherOptions['refreshOidc'];
  readonly #metrics: TokenRefresherOptions['metrics'];
  readonly #pending = new Map<string, Promise<RefreshOutcome>>();
  readonly #recent = new Map<string, RecentResult>();

  constructor(options: TokenRefresherOptions) {
    const { metrics, refreshOidc, ...rest } = options;
    this.#options = { recentResultTtlMs: 10_000, maxRecentResults: 10_000, ...rest };
    this.#refreshOidc = refreshOidc;
    this.#metrics = metrics;
  }

  refresh(current: SessionToken, client: ClientInfo): Promise<RefreshOutcome> {
    const key = keyOf(current.refreshToken);
    const recent = this.#recent.get(key);
    if (recent && recent.until > this.#options.now()) {
      this.#metrics?.refreshFlight('reused');
      return Promise.resolve(recent.outcome);
    }

    const pending = this.#pending.get(key);
    if (pending) {
      this.#metrics?.refreshFlight('joined');
      return pending;
    }
    this.#metrics?.refreshFlight('started');

    const promise: Promise<RefreshOutcome> = this.#rotate(current, client, key).finally(() => {
      // Clear only our own entry: a newer flight for the same key must not be dropped.
      if (this.#pending.get(key) === promise) this.#pending.delete(key);
    });
    this.#pending.set(key, promise);
    return promise;
  }

  /** Number of rotations in flight; for tests and metrics. */
  get inFlight(): number {
    return this.#pending.size;
  }

  async #rotate(current: SessionToken, client: ClientInfo, key: string): Promise<RefreshOutcome> {
    const { logger } = this.#options;
    let outcome: RefreshOutcome;
    try {
      outcome = { kind: 'rotated', token: await this.#rotateWithIssuer(current, client) };
      logger.info({ event: 'refresh.rotated', sid: current.sid, userId: current.sub }, 'access token refreshed');
    } catch (error) {
      if (error instanceof BackendRejectedError && error.backendCode !== 'rate_limited') {
        outcome = { kind: 'rejected', reason: error.backendCode };
        logger.warn({ event: 'refresh.rejected', sid: current.sid, userId: current.sub, reason: error.backendCode }, 'refresh token refused; session ends');
      } else {
        // Outage or throttling: an unreachable backend must not sign everybody out.
        outcome = { kind: 'unavailable' };
        logger.error({ event: 'refresh.unavailable', sid: current.sid, userId: current.sub, error }, 'refresh failed; keeping the session');
      }
    }
    this.#metrics?.authEvent({ event: 'refresh', outcome: outcome.kind });
    if (outcome.kind !== 'unavailable') this.#remember(key, outcome);
    return outcome;
  }

  /** The session is refreshed where it was issued: the user-service's refresh endpoint or the OpenID Provider. */
  async #rotateWithIssuer(current: SessionToken, client: ClientInfo): Promise<SessionToken> {
    if (current.oidc) {
      if (!this.#refreshOidc) throw new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: 401 });
      return this.#refreshOidc(current);
    }
    const tokens = await this.#options.refresh(current.refreshToken, client);
    return sessionTokenFromResponse(tokens, this.#options.now(), this.#options.schedule);
  }

  #remember(key: string, outcome: RefreshOutcome): void {
    const { now, recentResultTtlMs, maxRecentResults } = this.#options;
    const at = now();
    for (const [oldKey, entry] of this.#recent) {
      if (entry.until <= at || this.#recent.size >= maxRecentResults) this.#recent.delete(oldKey);
      else break;
    }
    this.#recent.set(key, { outcome, until: at + recentResultTtlMs });
  }
}

// Keys are hashes so the map never becomes a second store of live refresh tokens.
function keyOf(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('base64url');
}
