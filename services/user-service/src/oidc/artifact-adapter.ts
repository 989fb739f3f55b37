import { createHash } from 'node:crypto';
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { oidcArtifacts } from '../db/schema.js';

/** Artifacts that belong to a grant and go when it is revoked (the provider's own list). */
const GRANT_MEMBERS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'];

export interface ReplayReport {
  readonly model: 'AuthorizationCode' | 'RefreshToken';
  readonly grantId: string | undefined;
  readonly sessionUid: string | undefined;
  readonly accountId: string | undefined;
}

export interface ArtifactAdapterOptions {
  /** Seconds after its rotation in which a refresh token still counts as unused (RFC 9700 §4.14.2). */
  readonly refreshReuseGraceSeconds: number;
  /** Called (and awaited) when a used authorization code or a refresh token past its grace comes back. */
  readonly onReplay: (report: ReplayReport) => Promise<void>;
}

/** Ids are codes, tokens and SSO cookie values: only their SHA-256 is stored (rule: tokens only as hashes). */
function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
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
      const consumedAgo = clock.now() - row.consumedAt.getTime();
      // RFC 9700 §4.14.2: parallel refreshes of one app present the same token; within the grace window the rotated
      // token is reported unused, so every one of them gets tokens and the session survives.
      if (this.model === 'RefreshToken' && consumedAgo <= graceMs) return payload;
      // Past the grace (or any used code): the provider revokes the whole grant; we end our session with it.
      if (this.model === 'RefreshToken' || this.model === 'AuthorizationCode') {
        await options.onReplay({ model: this.model, grantId: payload.grantId, sessionUid: payload.sessionUid, accountId: payload.accountId });
      }
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
      // One statement: of concurrent exchanges of one code, exactly one flips `consumed_at` (RFC 6749 §4.1.2).
      const [row] = await db
        .update(oidcArtifacts)
        .set({ consumedAt: new Date(clock.now()) })
        .where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.idHash, hashId(id)), isNull(oidcArtifacts.consumedAt)))
        .returning({ grantId: oidcArtifacts.grantId });
      if (row !== undefined || this.model === 'RefreshToken') return;
      // A racing second exchange of one authorization code: refuse it and revoke what the first one got.
      const [stored] = await db
        .select({ payload: oidcArtifacts.payload, grantId: oidcArtifacts.grantId })
        .from(oidcArtifacts)
        .where(and(eq(oidcArtifacts.model, this.model), eq(oidcArtifacts.idHash, hashId(id))))
        .limit(1);
      if (stored?.grantId != null) {
        await this.#revokeGrant(stored.grantId);
        const payload = asPayload(stored.payload);
        if (this.model === 'AuthorizationCode') {
          await options.onReplay({ model: this.model, grantId: stored.grantId, sessionUid: payload.sessionUid, accountId: payload.accountId });
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
      await db.delete(oidcArtifacts).where(
        or(
          and(eq(oidcArtifacts.grantId, grantId), sql`${oidcArtifacts.model} in ${GRANT_MEMBERS}`),
          and(eq(oidcArtifacts.model, 'Grant'), eq(oidcArtifacts.idHash, hashId(grantId))),
        ),
      );
    }

    #notExpired() {
      return or(isNull(oidcArtifacts.expiresAt), gt(oidcArtifacts.expiresAt, new Date(clock.now())));
    }
  };
}
