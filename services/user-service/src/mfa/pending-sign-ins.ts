import { addressBucket, mfaTokenSchema, type AmrValue } from '@portcullis/contracts';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { pendingSignIns } from '../db/schema.js';
import type { ClientContext } from '../sessions/session-store.js';
import { generateRefreshToken as generateSecret, hashRefreshToken as hashSecret } from '../tokens/refresh-token.js';

export type PendingSignInRow = typeof pendingSignIns.$inferSelect;
export type PendingStage = PendingSignInRow['stage'];

function bindingOf(client: ClientContext): { userAgent: string | null; addressBucket: string | null } {
  return { userAgent: client.userAgent?.slice(0, 512) ?? null, addressBucket: client.ip === null ? null : (addressBucket(client.ip) ?? null) };
}

/**
 * A sign-in between its password and its last factor (OWASP ASVS 5.0 §6.3.1: no session before every factor is proven).
 * The `mfaToken` is 256 random bits, kept only as its SHA-256 hash, valid at most MFA_TOKEN_TTL, bound to the client that
 * started it (user agent and address bucket, as the refresh grace binding), and spent by one conditional update.
 */
export class PendingSignIns {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  /** Starts a pending sign-in for a user whose password was right. */
  async start(input: { userId: string; stage: PendingStage; amr: readonly AmrValue[]; client: ClientContext }): Promise<{ mfaToken: string; expiresAt: number }> {
    const now = this.clock.now();
    const mfaToken = generateSecret();
    const expiresAt = now + this.ttlSeconds * 1000;
    await this.db.insert(pendingSignIns).values({
      tokenHash: hashSecret(mfaToken),
      userId: input.userId,
      stage: input.stage,
      amr: [...input.amr],
      ...bindingOf(input.client),
      createdAt: new Date(now),
      expiresAt: new Date(expiresAt),
    });
    return { mfaToken, expiresAt };
  }

  /**
   * The pending sign-in of a token, unspent, unexpired and presented by the client that started it; null otherwise.
   * Reading does not spend it: a wrong code may be retried (within the throttle) until `spend` succeeds.
   */
  async find(mfaToken: string, client: ClientContext): Promise<PendingSignInRow | null> {
    if (!mfaTokenSchema.safeParse(mfaToken).success) return null;
    const [row] = await this.db
      .select()
      .from(pendingSignIns)
      .where(and(eq(pendingSignIns.tokenHash, hashSecret(mfaToken)), isNull(pendingSignIns.usedAt), gt(pendingSignIns.expiresAt, new Date(this.clock.now()))))
      .limit(1);
    if (row === undefined) return null;
    const binding = bindingOf(client);
    return row.userAgent === binding.userAgent && row.addressBucket === binding.addressBucket ? row : null;
  }

  /** Spends the token once: of concurrent calls exactly one gets the row (the atomic check-then-act), the rest null. */
  async spend(mfaToken: string, client: ClientContext): Promise<PendingSignInRow | null> {
    const pending = await this.find(mfaToken, client);
    if (pending === null) return null;
    const now = new Date(this.clock.now());
    const [spent] = await this.db
      .update(pendingSignIns)
      .set({ usedAt: now })
      .where(and(eq(pendingSignIns.tokenHash, pending.tokenHash), isNull(pendingSignIns.usedAt), gt(pendingSignIns.expiresAt, now)))
      .returning();
    return spent ?? null;
  }
}
