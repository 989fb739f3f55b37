import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, getTableColumns, gt, isNull, ne, sql, type SQL, type Table } from 'drizzle-orm';
import pg from 'pg';
import { addressBucket, type AmrValue } from '@portcullis/contracts';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { refreshTokens, sessions, users } from '../db/schema.js';
import { generateRefreshToken, hashRefreshToken, openSuccessor, sameHash, sealSuccessor } from '../tokens/refresh-token.js';
import type { UserRow } from '../users/user-store.js';

export type SessionRow = typeof sessions.$inferSelect;

export interface SessionLifetimes {
  readonly idleSeconds: number;
  readonly absoluteSeconds: number;
  readonly reuseGraceSeconds: number;
}

export interface IssuedRefreshToken {
  readonly token: string;
  readonly expiresAt: number;
}

export type RevocationReason =
  | 'logout'
  | 'revoked_by_user'
  | 'reuse_detected'
  | 'user_disabled'
  | 'role_changed'
  | 'revoked_by_admin'
  | 'password_reset'
  | 'password_changed'
  | 'email_change_cancelled';

export type RotationOutcome =
  | {
      readonly kind: 'rotated';
      readonly session: SessionRow;
      readonly user: UserRow;
      readonly refreshToken: IssuedRefreshToken;
      readonly graceRetry: boolean;
      /** When the `refresh.succeeded` audit row was written with the rotation itself (see `rotateRefreshToken`). */
      readonly auditedAt?: number;
    }
  | { readonly kind: 'refused'; readonly reason: 'unknown' | 'expired' | 'revoked' | 'user_disabled'; readonly session?: SessionRow }
  | { readonly kind: 'reuse_detected'; readonly session: SessionRow; readonly cause: ReuseCause };

/** Why a presented refresh token counts as reuse: too late, not the latest predecessor, or from another client. */
type ReuseCause = 'past_grace' | 'not_latest' | 'other_client';

export interface ClientContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** What identifies the client that rotated a token: its user agent and its address bucket (IPv6 per /64). */
function clientBinding(client: ClientContext): { userAgent: string | null; address: string | null } {
  return { userAgent: client.userAgent?.slice(0, 512) ?? null, address: client.ip === null ? null : (addressBucket(client.ip) ?? null) };
}

/**
 * Rebuilds typed rows from `row_to_json` output (snake_case keys, timestamps as ISO strings). The column list is read
 * from the table once, not on every refresh.
 */
function jsonRowReader<T extends Table>(table: T): (json: Record<string, unknown>) => T['$inferSelect'] {
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, name: column.name, isDate: column.dataType === 'date' }));
  return (json) => {
    const row: Record<string, unknown> = {};
    for (const { key, name, isDate } of columns) {
      const value = json[name] ?? null;
      row[key] = isDate && value !== null ? new Date(String(value)) : value;
    }
    return row as T['$inferSelect'];
  };
}

const sessionFromJson = jsonRowReader(sessions);
const userFromJson = jsonRowReader(users);

/**
 * The unused-token rotation as one statement (see `#rotateUnusedToken`). $1 now, $2 successor id, $3 sealed successor,
 * $4 presented hash, $5 idle limit, $6 successor hash, $7 ip, $8 user agent, $9 whether to write the audit row,
 * $10 the rotating client's address bucket.
 * It runs as the prepared statement `portcullis_rotate_unused_v2`: change the name with the text (pg refuses one name
 * for two texts on a connection).
 */
const ROTATE_UNUSED_SQL = `
  with used as (
    update refresh_tokens as rt
    set used_at = $1, successor_id = $2, successor_sealed = $3, rotated_by_user_agent = $8, rotated_by_address = $10
    from sessions as s, users as u
    where rt.token_hash = $4 and rt.used_at is null and rt.expires_at > $1
      and s.id = rt.session_id and s.revoked_at is null and s.absolute_expires_at > $1
      and u.id = s.user_id and u.disabled = false
    returning rt.session_id, least($5::timestamptz, s.absolute_expires_at) as expires_at
  ), successor as (
    insert into refresh_tokens (id, token_hash, session_id, created_at, expires_at)
    select $2, $6, used.session_id, $1, used.expires_at from used
    returning session_id, expires_at
  ), touched as (
    update sessions set last_used_at = $1, idle_expires_at = successor.expires_at
    from successor where sessions.id = successor.session_id
    returning sessions.*
  ), audited as (
    insert into audit_events (type, at, user_id, sid, ip, user_agent)
    select 'refresh.succeeded', $1, touched.user_id, touched.id, $7, $8 from touched where $9
  )
  select row_to_json(touched) as session, row_to_json(u) as user
  from touched join users as u on u.id = touched.user_id`;

function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** Sessions (refresh-token families) and their rotation rules, RFC 9700 §4.14.2. */
export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly lifetimes: SessionLifetimes,
  ) {}

  /**
   * Starts a session after its last factor and returns its first refresh token. `amr` names how the user was proven
   * (RFC 8176); the session's `authTime` is now, the time of that last factor.
   */
  async createSession(
    user: UserRow,
    client: ClientContext,
    proof: { amr: readonly AmrValue[] } = { amr: ['pwd'] },
  ): Promise<{ session: SessionRow; refreshToken: IssuedRefreshToken }> {
    const now = this.clock.now();
    const absoluteExpiresAt = now + this.lifetimes.absoluteSeconds * 1000;
    const expiresAt = Math.min(now + this.lifetimes.idleSeconds * 1000, absoluteExpiresAt);
    const token = generateRefreshToken();
    const session = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(sessions)
        .values({
          id: newSessionId(),
          userId: user.id,
          createdAt: new Date(now),
          lastUsedAt: new Date(now),
          authTime: new Date(now),
          amr: [...proof.amr],
          absoluteExpiresAt: new Date(absoluteExpiresAt),
          idleExpiresAt: new Date(expiresAt),
          userAgent: client.userAgent?.slice(0, 512) ?? null,
          ip: client.ip,
        })
        .returning();
      if (row === undefined) throw new Error('session insert returned no row');
      await tx.insert(refreshTokens).values({
        tokenHash: hashRefreshToken(token),
        sessionId: row.id,
        createdAt: new Date(now),
        expiresAt: new Date(expiresAt),
      });
      return row;
    });
    return { session, refreshToken: { token, expiresAt } };
  }

  /**
   * Exchanges a refresh token for its successor in one transaction with the token's row locked, so concurrent
   * requests on any number of instances see one consistent history (OWASP ASVS 5.0 §15.4.2; Keycloak CVE-2026-1035).
   * - unused token: a new successor is created and the token is marked used;
   * - used token whose successor is unused, within the grace window, presented by the client that rotated it (same
   *   user agent, same address bucket): the same successor again (RFC 9700 §4.14.2);
   * - any other used token: theft is assumed and the whole family is revoked.
   * With `audit`, the `refresh.succeeded` row of a first rotation is written by the rotation itself.
   */
  async rotateRefreshToken(presented: string, client: ClientContext, options: { audit?: boolean } = {}): Promise<RotationOutcome> {
    return (await this.#rotateUnusedToken(presented, client, options.audit === true)) ?? this.#rotateWithLock(presented, client);
  }

  /**
   * The common case — an unused, unexpired token of a live session of an enabled user — in one statement, so one
   * round trip instead of a seven-step transaction (docs/benchmarks.md: /refresh within 70 % of its ceiling). The conditional
   * UPDATE is the atomic check-then-act: of concurrent requests with one token (on any instance), PostgreSQL lets
   * exactly one match `used_at is null`; the others re-check the row after it commits, match nothing, and take the
   * locked path below, which answers them with the same successor (grace) or detects reuse. Every other case
   * (unknown, used, revoked, expired, disabled) also matches nothing here and gets its precise answer there.
   * With `audit`, the `refresh.succeeded` row is inserted by the same statement: one commit instead of two.
   */
  async #rotateUnusedToken(presented: string, client: ClientContext, audit: boolean): Promise<RotationOutcome | null> {
    const now = this.clock.now();
    const successorToken = generateRefreshToken();
    const successorId = randomUUID();
    // Sealed before the statement, so no lock is held while it is computed.
    const sealed = await sealSuccessor(presented, successorToken);
    const binding = clientBinding(client);
    const [row] = await this.#hotStatement<{ session: Record<string, unknown>; user: Record<string, unknown> }>('portcullis_rotate_unused_v2', ROTATE_UNUSED_SQL, [
      new Date(now),
      successorId,
      sealed,
      hashRefreshToken(presented),
      new Date(now + this.lifetimes.idleSeconds * 1000),
      hashRefreshToken(successorToken),
      client.ip,
      binding.userAgent,
      audit,
      binding.address,
    ]);
    if (row === undefined) return null;
    const session = sessionFromJson(row.session);
    return {
      kind: 'rotated',
      session,
      user: userFromJson(row.user),
      graceRetry: false,
      refreshToken: { token: successorToken, expiresAt: session.idleExpiresAt.getTime() },
      ...(audit ? { auditedAt: now } : {}),
    };
  }

  /**
   * Runs a hot statement. On PostgreSQL it is a named prepared statement, planned once per pooled connection: the
   * rotation's data-modifying CTEs took longer to plan than to run, and preparing them doubled its rate (docs/benchmarks.md).
   * Elsewhere (PGlite) the same text runs through Drizzle with the same parameters.
   */
  async #hotStatement<Row>(name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
    const client = (this.db as unknown as { $client?: unknown }).$client;
    if (client instanceof pg.Pool) return (await client.query({ name, text, values: [...values] })).rows as Row[];
    const chunks: SQL[] = [];
    let last = 0;
    for (const match of text.matchAll(/\$(\d+)/g)) {
      chunks.push(sql.raw(text.slice(last, match.index)), sql`${values[Number(match[1]) - 1]}`);
      last = match.index + match[0].length;
    }
    chunks.push(sql.raw(text.slice(last)));
    // node-postgres and PGlite both answer with `{ rows }`.
    return ((await this.db.execute(sql.join(chunks))) as unknown as { rows: Row[] }).rows;
  }

  /** Every case with the presented token's row locked: used tokens (grace or reuse), refusals, and the rest. */
  async #rotateWithLock(presented: string, client: ClientContext): Promise<RotationOutcome> {
    const now = this.clock.now();
    const binding = clientBinding(client);
    const presentedHash = hashRefreshToken(presented);
    return this.db.transaction(async (tx) => {
      const [found] = await tx
        .select({ token: refreshTokens, session: sessions, user: users })
        .from(refreshTokens)
        .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(refreshTokens.tokenHash, presentedHash))
        .limit(1)
        .for('update', { of: refreshTokens });
      if (found === undefined) return { kind: 'refused', reason: 'unknown' } as const;
      const { token, session, user } = found;
      if (session.revokedAt !== null) return { kind: 'refused', reason: 'revoked', session } as const;

      if (token.usedAt !== null) {
        const successor =
          token.successorId === null ? undefined : (await tx.select().from(refreshTokens).where(eq(refreshTokens.id, token.successorId)).limit(1).for('update'))[0];
        const withinGrace = now - token.usedAt.getTime() <= this.lifetimes.reuseGraceSeconds * 1000;
        // Only the immediate predecessor of an unused token is accepted again (django-oauth-toolkit #1617), and only
        // from the client that rotated it: a stolen copy replayed elsewhere within the window is theft.
        const latest = successor !== undefined && successor.usedAt === null && token.successorSealed !== null;
        const sameClient = token.rotatedByUserAgent === binding.userAgent && token.rotatedByAddress === binding.address;
        if (withinGrace && latest && sameClient && token.successorSealed !== null && successor !== undefined) {
          const again = await openSuccessor(presented, token.successorSealed);
          if (again !== null && sameHash(hashRefreshToken(again), successor.tokenHash) && user.disabled === false) {
            return { kind: 'rotated', session, user, graceRetry: true, refreshToken: { token: again, expiresAt: successor.expiresAt.getTime() } } as const;
          }
        }
        const cause: ReuseCause = !withinGrace ? 'past_grace' : !latest ? 'not_latest' : 'other_client';
        // Conditional on "not yet revoked": racing replays of one stolen token are detected (and audited) once.
        const [revoked] = await tx
          .update(sessions)
          .set({ revokedAt: new Date(now), revokedReason: 'reuse_detected' })
          .where(and(eq(sessions.id, session.id), isNull(sessions.revokedAt)))
          .returning();
        return revoked === undefined ? ({ kind: 'refused', reason: 'revoked', session } as const) : ({ kind: 'reuse_detected', session: revoked, cause } as const);
      }

      if (token.expiresAt.getTime() <= now || session.absoluteExpiresAt.getTime() <= now) {
        return { kind: 'refused', reason: 'expired', session } as const;
      }
      if (user.disabled) return { kind: 'refused', reason: 'user_disabled', session } as const;

      const successorToken = generateRefreshToken();
      const expiresAt = Math.min(now + this.lifetimes.idleSeconds * 1000, session.absoluteExpiresAt.getTime());
      const [successor] = await tx
        .insert(refreshTokens)
        .values({ tokenHash: hashRefreshToken(successorToken), sessionId: session.id, createdAt: new Date(now), expiresAt: new Date(expiresAt) })
        .returning({ id: refreshTokens.id });
      if (successor === undefined) throw new Error('refresh token insert returned no row');
      await tx
        .update(refreshTokens)
        .set({
          usedAt: new Date(now),
          successorId: successor.id,
          successorSealed: await sealSuccessor(presented, successorToken),
          rotatedByUserAgent: binding.userAgent,
          rotatedByAddress: binding.address,
        })
        .where(eq(refreshTokens.id, token.id));
      const [updated] = await tx
        .update(sessions)
        .set({ lastUsedAt: new Date(now), idleExpiresAt: new Date(expiresAt) })
        .where(eq(sessions.id, session.id))
        .returning();
      return { kind: 'rotated', session: updated ?? session, user, graceRetry: false, refreshToken: { token: successorToken, expiresAt } } as const;
    });
  }

  /** The session a refresh token belongs to, whatever its state; `null` when the token is unknown. */
  async findSessionByRefreshToken(presented: string): Promise<SessionRow | null> {
    const [row] = await this.db
      .select({ session: sessions })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(presented)))
      .limit(1);
    return row?.session ?? null;
  }

  /** Revokes one session (all tokens of its family); returns it if it was active until now. */
  async revokeSession(sessionId: string, reason: RevocationReason, options: { userId?: string } = {}): Promise<SessionRow | null> {
    const [row] = await this.db
      .update(sessions)
      .set({ revokedAt: new Date(this.clock.now()), revokedReason: reason })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt), options.userId === undefined ? undefined : eq(sessions.userId, options.userId)))
      .returning();
    return row ?? null;
  }

  /** Revokes every active session of a user, but `except` (the caller's own, when a password change keeps it). */
  async revokeUserSessions(userId: string, reason: RevocationReason, options: { except?: string } = {}): Promise<SessionRow[]> {
    return this.db
      .update(sessions)
      .set({ revokedAt: new Date(this.clock.now()), revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), options.except === undefined ? undefined : ne(sessions.id, options.except)))
      .returning();
  }

  /** Records that the user proved themselves again in this session (step-up), and with what (RFC 8176). */
  async recordStepUp(sessionId: string, amr: readonly AmrValue[] = ['pwd']): Promise<number> {
    const now = this.clock.now();
    await this.db
      .update(sessions)
      .set({ stepUpAt: new Date(now), stepUpAmr: [...amr] })
      .where(eq(sessions.id, sessionId));
    return now;
  }

  /** A session that may still be used: not revoked, not past either lifetime, its user enabled. */
  async findActiveSession(sessionId: string): Promise<SessionRow | null> {
    return (await this.findActiveSessionWithUser(sessionId))?.session ?? null;
  }

  /** The same check, with the session's user: one query answers "may this token be used" and "who is it". */
  async findActiveSessionWithUser(sessionId: string): Promise<{ session: SessionRow; user: UserRow } | null> {
    const now = new Date(this.clock.now());
    const [row] = await this.db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt), gt(sessions.absoluteExpiresAt, now), gt(sessions.idleExpiresAt, now), eq(users.disabled, false)))
      .limit(1);
    return row ?? null;
  }

  /**
   * Marks an active session used now (its idle lifetime restarts, bounded by the absolute one) and returns it with its
   * user, in one statement; `null` when it is revoked, ended, or its user disabled. OIDC token issuance runs through
   * here, so an SSO session lives exactly as long as the session row behind it (docs/sso.md).
   */
  async touchActiveSession(sessionId: string): Promise<{ session: SessionRow; user: UserRow } | null> {
    const now = new Date(this.clock.now());
    const idleUntil = new Date(this.clock.now() + this.lifetimes.idleSeconds * 1000);
    const [row] = await this.db
      .update(sessions)
      .set({ lastUsedAt: now, idleExpiresAt: sql`least(${idleUntil}::timestamptz, ${sessions.absoluteExpiresAt})` })
      .from(users)
      .where(
        and(
          eq(sessions.id, sessionId),
          eq(users.id, sessions.userId),
          isNull(sessions.revokedAt),
          gt(sessions.absoluteExpiresAt, now),
          gt(sessions.idleExpiresAt, now),
          eq(users.disabled, false),
        ),
      )
      .returning({ session: getTableColumns(sessions), user: getTableColumns(users) });
    return row ?? null;
  }

  /** Active sessions per role of their user, for the security dashboard. */
  async countActiveByRole(): Promise<Record<string, number>> {
    const now = new Date(this.clock.now());
    const rows = await this.db
      .select({ role: users.role, count: sql<number>`count(*)::int` })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(isNull(sessions.revokedAt), gt(sessions.absoluteExpiresAt, now), gt(sessions.idleExpiresAt, now), eq(users.disabled, false)))
      .groupBy(users.role);
    return Object.fromEntries(rows.map((row) => [row.role, Number(row.count)]));
  }

  async listActiveSessions(userId: string): Promise<SessionRow[]> {
    const now = new Date(this.clock.now());
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.absoluteExpiresAt, now), gt(sessions.idleExpiresAt, now)))
      .orderBy(desc(sessions.lastUsedAt));
  }
}
