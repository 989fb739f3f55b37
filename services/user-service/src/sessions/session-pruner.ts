import { sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/database.js';
import type { Logger } from '../logger.js';

export interface PruneOptions {
  /** How long an ended session (revoked, idle- or absolute-expired) and an expired token are kept before deletion. */
  readonly retentionSeconds: number;
  /** Rows per DELETE: short statements keep locks short while clients rotate tokens. */
  readonly batchSize: number;
  /** Bound on batches per run; the next run carries on. */
  readonly maxBatches: number;
}

export interface PruneResult {
  readonly sessions: number;
  readonly refreshTokens: number;
  /** The OpenID Provider's codes, tokens, interactions and SSO sessions past their expiry (docs/sso.md). */
  readonly oidcArtifacts: number;
  /** Sign-ins left between their password and their second factor, and WebAuthn challenges, past their expiry. */
  readonly pendingSignIns: number;
  readonly webauthnChallenges: number;
}

export const DEFAULT_PRUNE_OPTIONS: PruneOptions = Object.freeze({ retentionSeconds: 86_400, batchSize: 5_000, maxBatches: 200 });

function rowCount(result: unknown): number {
  // node-postgres answers with `rowCount`, PGlite with `affectedRows`.
  const { rowCount: pgCount, affectedRows } = result as { rowCount?: number | null; affectedRows?: number };
  return pgCount ?? affectedRows ?? 0;
}

/**
 * Deletes what can no longer be used, so the token tables track live sessions instead of growing with every refresh
 * (docs/benchmarks.md, storage growth): sessions that ended (revoked, idle- or absolute-expired) more than `retentionSeconds`
 * ago, with their refresh tokens (ON DELETE CASCADE), and refresh tokens that expired that long ago inside sessions
 * still alive — used predecessors, which only served reuse detection: an expired token buys nothing anyway.
 * The retention keeps recent history for logout idempotency and for reuse reports ("revoked" rather than "unknown").
 * Every instance may run it: `SKIP LOCKED` lets concurrent runs share the work instead of waiting on each other.
 */
export class SessionPruner {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PruneResult> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: PruneOptions = DEFAULT_PRUNE_OPTIONS,
  ) {}

  /** One pass over both tables; concurrent calls share the pass in progress. */
  pruneOnce(): Promise<PruneResult> {
    this.#running ??= this.#prune().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #prune(): Promise<PruneResult> {
    const cutoff = new Date(this.clock.now() - this.options.retentionSeconds * 1000);
    const limit = this.options.batchSize;
    const sessions = await this.#deleteInBatches(sql`
      delete from sessions where id in (
        select id from sessions
        where revoked_at < ${cutoff} or idle_expires_at < ${cutoff} or absolute_expires_at < ${cutoff}
        limit ${limit} for update skip locked)`);
    const refreshTokens = await this.#deleteInBatches(sql`
      delete from refresh_tokens where id in (
        select id from refresh_tokens where expires_at < ${cutoff}
        limit ${limit} for update skip locked)`);
    // Keyed by (model, id_hash): ctid names the row without a surrogate key; ended SSO sessions' links go with our
    // sessions above (ON DELETE CASCADE).
    const oidcArtifacts = await this.#deleteInBatches(sql`
      delete from oidc_artifacts where ctid in (
        select ctid from oidc_artifacts where expires_at < ${cutoff}
        limit ${limit} for update skip locked)`);
    // Both expire within MFA_TOKEN_TTL (5 minutes); an expired one is refused anyway, so only the rows are left to go.
    const pendingSignIns = await this.#deleteInBatches(sql`
      delete from pending_sign_ins where token_hash in (
        select token_hash from pending_sign_ins where expires_at < ${cutoff}
        limit ${limit} for update skip locked)`);
    const webauthnChallenges = await this.#deleteInBatches(sql`
      delete from webauthn_challenges where challenge_hash in (
        select challenge_hash from webauthn_challenges where expires_at < ${cutoff}
        limit ${limit} for update skip locked)`);
    return { sessions, refreshTokens, oidcArtifacts, pendingSignIns, webauthnChallenges };
  }

  /** Repeats one bounded delete until a batch comes back short (or `maxBatches`), so no pass holds long locks. */
  async #deleteInBatches(statement: SQL): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < this.options.maxBatches; batch += 1) {
      const deleted = rowCount(await this.db.execute(statement));
      total += deleted;
      if (deleted < this.options.batchSize) break;
    }
    return total;
  }

  /** Runs every `intervalSeconds` in the background (0 disables); never keeps the process alive on its own. */
  start(intervalSeconds: number): void {
    if (intervalSeconds <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.pruneOnce().then(
        (result) => {
          if (result.sessions + result.refreshTokens + result.oidcArtifacts > 0) this.logger.info({ pruned: result }, 'pruned ended sessions and expired refresh tokens');
        },
        (error: unknown) => {
          // A database outage is already reported by the requests; the next run retries.
          if (isDatabaseUnavailable(error)) this.logger.warn({ err: error }, 'pruning skipped: database unavailable');
          else this.logger.error({ err: error }, 'pruning failed');
        },
      );
    }, intervalSeconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Resolves when a run in progress (if any) has finished, so shutdown never cuts a batch in half. */
  async settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }
}
