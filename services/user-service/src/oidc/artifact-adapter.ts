import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import Provider, { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { oidcArtifacts } from '../db/schema.js';
import { hashArtifactId as hashId, type RefreshRotations } from './refresh-rotations.js';

/** Artifacts that belong to a grant and go when it is revoked (the provider's own list). */
const GRANT_MEMBERS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'];

/** Why a presented code or refresh token counts as replayed. */
type ReplayCause = 'code_replayed' | 'past_grace' | 'not_latest' | 'other_client';

export interface ReplayReport {
  readonly model: 'AuthorizationCode' | 'RefreshToken';
  readonly cause: ReplayCause;
  readonly grantId: string | undefined;
  readonly sessionUid: string | undefined;
  readonly accountId: string | undefined;
}

export interface ArtifactAdapterOptions {
  /** Seconds after its rotation in which the rotating client may present a refresh token again (RFC 9700 §4.14.2). */
  readonly refreshReuseGraceSeconds: number;
  /** The first answer to each rotation, which grace retries get again. */
  readonly rotations: RefreshRotations;
  /** Called (and awaited) when a used authorization code or a refresh token that may not be retried comes back. */
  readonly onReplay: (report: ReplayReport) => Promise<void>;
}

/** The OAuth client of the request being served (the provider authenticated it before any grant runs). */
function requestingClientId(): string | null {
  return Provider.ctx?.oidc.client?.clientId ?? null;
}

function asPayload(value: unknown): AdapterPayload {
  return value as AdapterPayload;
}

/**
 * oidc-provider's storage on our database (PGlite or PostgreSQL), shared by every instance. One class per model, as
 * the provider expects (`new Adapter(name)`); built by `artifactAdapter` over our database and clock.
 */
export function artifactAdapter(db: Db, clock: Clock, options: ArtifactAdapterOptions): new (model: string) => Adapter {
  const graceMs = options.refreshReuseGraceSeconds * 1000;

  return class ArtifactAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
      // A grace retry's own successor is never stored: it is answered with the first rotation's successor instead.
      if (this.model === 'RefreshToken' && options.rotations.isGraceRetry(Provider.ctx)) return;
      // The id never rides along in the stored payload; `find` puts back the one it was asked for.
      const { jti: _jti, ...stored } = payload;
      // An interaction remembers the SSO session it started in, including that session's cookie value: not stored.
      if (this.model === 'Interaction' && stored.session !== undefined) stored.session = { ...stored.session, cookie: undefined };
      const expiresAt = typeof expiresIn === 'number' ? new Date(clock.now() + expiresIn * 1000) : null;
      const row = {
        model: this.model,
        idHash: hashId(id),
        payload: stored,
        grantId: payload.grantId ?? null,
        sessionUid: this.model === 'Session' ? (payload.uid ?? null) : null,
        userCodeHash: typeof payload.userCode === 'string' ? hashId(payload.userCode) : null,
        expiresAt,
        consumedAt: null,
      };
      await db
        .insert(oidcArtifacts)
        .values(row)
        .onConflictDoUpdate({
          target: [oidcArtifacts.model, oidcArtifacts.idHash],
          set: { payload: row.payload, grantId: row.grantId, sessionUid: row.sessionUid, userCodeHash: row.userCodeHash, expiresAt },
        });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const [row] = await db
        .select()
        .from(oidcArtifacts)
        .where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.idHash, hashId(id)), this.#notExpired()))
        .limit(1);
      if (row === undefined) return undefined;
      const payload: AdapterPayload = { ...asPayload(row.payload), jti: id };
      if (row.consumedAt === null) return payload;
      if (this.model === 'RefreshToken') {
        // RFC 9700 §4.14.2: a rotated token may come again from the client that rotated it, within the grace window,
        // while its successor is unused; the grant then answers it with that same successor (see `consume`).
        const cause = await this.#graceRefusal(row);
        if (cause === null) return payload;
        await options.onReplay({ model: this.model, cause, grantId: payload.grantId, sessionUid: payload.sessionUid, accountId: payload.accountId });
      } else if (this.model === 'AuthorizationCode') {
        await options.onReplay({ model: this.model, cause: 'code_replayed', grantId: payload.grantId, sessionUid: payload.sessionUid, accountId: payload.accountId });
      }
      // The provider revokes the whole grant on a consumed token; we end our session with it.
      return { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) };
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const [row] = await db
        .select()
        .from(oidcArtifacts)
        .where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.sessionUid, uid), this.#notExpired()))
        .limit(1);
      // The session's id is its cookie value, which is not stored: the provider only reads a session found by uid.
      return row === undefined ? undefined : asPayload(row.payload);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const [row] = await db
        .select()
        .from(oidcArtifacts)
        .where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.userCodeHash, hashId(userCode)), this.#notExpired()))
        .limit(1);
      return row === undefined ? undefined : asPayload(row.payload);
    }

    async consume(id: string): Promise<void> {
      // One statement: of concurrent exchanges of one code or token, exactly one flips `consumed_at` (RFC 6749 §4.1.2);
      // a refresh token remembers which client rotated it.
      const [row] = await db
        .update(oidcArtifacts)
        .set({ consumedAt: new Date(clock.now()), ...(this.model === 'RefreshToken' ? { rotatedBy: requestingClientId() } : {}) })
        .where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.idHash, hashId(id)), isNull(oidcArtifacts.consumedAt)))
        .returning({ grantId: oidcArtifacts.grantId });
      if (row !== undefined) return;
      const [stored] = await db
        .select()
        .from(oidcArtifacts)
        .where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.idHash, hashId(id))))
        .limit(1);
      if (this.model === 'RefreshToken' && stored !== undefined) {
        const cause = await this.#graceRefusal(stored);
        // Lost the race to rotate it (or came back later within the grace): this request makes no successor of its
        // own and is answered with the winner's (RFC 9700 §4.14.2), so one token never forks into two families.
        const request = Provider.ctx;
        if (cause === null && request !== undefined) return options.rotations.markGraceRetry(request);
        const payload = asPayload(stored.payload);
        await options.onReplay({
          model: this.model,
          cause: cause ?? 'not_latest',
          grantId: stored.grantId ?? undefined,
          sessionUid: payload.sessionUid,
          accountId: payload.accountId,
        });
      }
      // A racing second exchange of one authorization code: refuse it and revoke what the first one got.
      if (stored?.grantId != null) {
        await this.#revokeGrant(stored.grantId);
        const payload = asPayload(stored.payload);
        if (this.model === 'AuthorizationCode') {
          await options.onReplay({ model: this.model, cause: 'code_replayed', grantId: stored.grantId, sessionUid: payload.sessionUid, accountId: payload.accountId });
        }
      }
      throw new errors.InvalidGrant(`${this.model === 'AuthorizationCode' ? 'authorization code' : 'grant'} already used`);
    }

    async destroy(id: string): Promise<void> {
      await db.delete(oidcArtifacts).where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.idHash, hashId(id))));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.delete(oidcArtifacts).where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.grantId, grantId)));
    }

    async #revokeGrant(grantId: string): Promise<void> {
      await db
        .delete(oidcArtifacts)
        .where(
          or(
            and(eq(oidcArtifacts.grantId, grantId), sql`${oidcArtifacts.model} in ${GRANT_MEMBERS}`),
            and(eq(oidcArtifacts.model, 'Grant'), eq(oidcArtifacts.idHash, hashId(grantId))),
          ),
        );
    }

    /**
     * `null` when a rotated refresh token may be presented again — within the grace window, by the client that rotated
     * it, while it is the immediate predecessor of the family's current token (django-oauth-toolkit #1617) — otherwise
     * why it is reuse.
     */
    async #graceRefusal(row: typeof oidcArtifacts.$inferSelect): Promise<ReplayCause | null> {
      if (row.consumedAt === null) return null;
      if (clock.now() - row.consumedAt.getTime() > graceMs) return 'past_grace';
      if (row.rotatedBy !== requestingClientId()) return 'other_client';
      if (row.successorIdHash === null) return null;
      const [successor] = await db
        .select({ consumedAt: oidcArtifacts.consumedAt })
        .from(oidcArtifacts)
        .where(and(eq(oidcArtifacts.model, 'RefreshToken'), eq(oidcArtifacts.idHash, row.successorIdHash), this.#notExpired()))
        .limit(1);
      return successor !== undefined && successor.consumedAt === null ? null : 'not_latest';
    }

    #notExpired() {
      return or(isNull(oidcArtifacts.expiresAt), gt(oidcArtifacts.expiresAt, new Date(clock.now())));
    }
  };
}
