import { createHash } from 'node:crypto';
import { addressBucket, type TokenResponse } from '@portcullis/contracts';
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
   * At most how long a finished rotation is handed to late requests of the same browser that still carry the old
   * cookie (default 5 s). Never longer than the grace window the user-service announces with each rotation
   * (`refreshReuseGraceSeconds`); OpenID Provider answers announce none, so this bound alone applies to them.
   */
  recentResultTtlMs?: number;
  maxRecentResults?: number;
}

interface RecentResult {
  outcome: RefreshOutcome;
  until: number;
}

interface Rotation {
  token: SessionToken;
  /** The backend's grace window for retries of the rotated token, when it said. */
  graceMs: number | undefined;
}

/**
 * Rotates refresh tokens with one backend call per token per process: every concurrent caller holding the
 * same refresh token shares one pending promise (single-flight, as panva/jose's remote JWKS reload), and a
 * caller that arrives just after it finished gets the same answer. Without this, parallel requests would
 * each present the same refresh token and trip reuse detection (RFC 9700 §4.14.2).
 * Both are per browser (user agent and address bucket, as the user-service binds its own grace retries): a rotated
 * cookie replayed by another client goes to the backend, which treats it as reuse, and its answer is "rejected".
 */
export class TokenRefresher {
  readonly #options: Required<Omit<TokenRefresherOptions, 'metrics' | 'refreshOidc'>>;
  readonly #refreshOidc: TokenRefresherOptions['refreshOidc'];
  readonly #metrics: TokenRefresherOptions['metrics'];
  readonly #pending = new Map<string, Promise<RefreshOutcome>>();
  readonly #recent = new Map<string, RecentResult>();

  constructor(options: TokenRefresherOptions) {
    const { metrics, refreshOidc, ...rest } = options;
    this.#options = { recentResultTtlMs: 5_000, maxRecentResults: 10_000, ...rest };
    this.#refreshOidc = refreshOidc;
    this.#metrics = metrics;
  }

  refresh(current: SessionToken, client: ClientInfo): Promise<RefreshOutcome> {
    const key = keyOf(current.refreshToken, client);
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
    const { logger, now } = this.#options;
    // The backend's grace window starts when it rotates, which is after this moment: counting from here stays inside it.
    const startedAt = now();
    let outcome: RefreshOutcome;
    let graceMs: number | undefined;
    try {
      const rotation = await this.#rotateWithIssuer(current, client);
      outcome = { kind: 'rotated', token: rotation.token };
      graceMs = rotation.graceMs;
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
    if (outcome.kind !== 'unavailable') this.#remember(key, outcome, startedAt, graceMs);
    return outcome;
  }

  /** The session is refreshed where it was issued: the user-service's refresh endpoint or the OpenID Provider. */
  async #rotateWithIssuer(current: SessionToken, client: ClientInfo): Promise<Rotation> {
    if (current.oidc) {
      if (!this.#refreshOidc) throw new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: 401 });
      return { token: await this.#refreshOidc(current), graceMs: undefined };
    }
    const tokens = await this.#options.refresh(current.refreshToken, client);
    const graceMs = tokens.refreshReuseGraceSeconds === undefined ? undefined : tokens.refreshReuseGraceSeconds * 1000;
    return { token: sessionTokenFromResponse(tokens, this.#options.now(), this.#options.schedule), graceMs };
  }

  #remember(key: string, outcome: RefreshOutcome, startedAt: number, graceMs: number | undefined): void {
    const { now, recentResultTtlMs, maxRecentResults } = this.#options;
    const at = now();
    for (const [oldKey, entry] of this.#recent) {
      if (entry.until <= at || this.#recent.size >= maxRecentResults) this.#recent.delete(oldKey);
      else break;
    }
    // Never answer for a rotated token longer than the backend would (RFC 9700 §4.14.2): the shorter bound wins.
    this.#recent.set(key, { outcome, until: startedAt + Math.min(recentResultTtlMs, graceMs ?? recentResultTtlMs) });
  }
}

/**
 * One entry per refresh token and browser (user agent, address bucket: IPv6 per /64). Keys are hashes so the map
 * never becomes a second store of live refresh tokens.
 */
function keyOf(refreshToken: string, client: ClientInfo): string {
  const address = client.ip === undefined ? '' : (addressBucket(client.ip) ?? '');
  return createHash('sha256')
    .update(JSON.stringify([refreshToken, client.userAgent ?? '', address]))
    .digest('base64url');
}
