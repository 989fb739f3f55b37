import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db, DbTransaction } from '../db/database.js';
import { accountTokens } from '../db/schema.js';
import { generateRefreshToken as generateSecret, hashRefreshToken as hashSecret } from '../tokens/refresh-token.js';

export type AccountTokenPurpose = (typeof accountTokens.$inferSelect)['purpose'];
export type AccountTokenRow = typeof accountTokens.$inferSelect;

/** Every kind of link: what disabling an account voids. */
export const ALL_LINK_PURPOSES: readonly AccountTokenPurpose[] = accountTokens.purpose.enumValues;

/** The shape of every token this store issues (256 random bits, base64url); anything else is refused before the database. */
function looksLikeAccountToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * The one-time secrets sent by mail (OWASP ASVS 5.0 §6.4.1, §6.3.8): 256 random bits, stored as SHA-256 hashes, spent by
 * a single conditional UPDATE (check and use are one atomic step, so two requests with one link cannot both win).
 */
export class AccountTokens {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * Issues a token for `purpose`, voiding every unspent one of the same purpose for the user: only the newest link works.
   * Pass the transaction that also queues the mail carrying it.
   */
  async issue(
    executor: Db | DbTransaction,
    grant: { userId: string; purpose: AccountTokenPurpose; ttlSeconds: number; newEmail?: string },
  ): Promise<{ token: string; expiresAt: Date }> {
    const now = this.clock.now();
    await this.#void(executor, grant.userId, [grant.purpose], now);
    const token = generateSecret();
    const expiresAt = new Date(now + grant.ttlSeconds * 1000);
    await executor.insert(accountTokens).values({
      tokenHash: hashSecret(token),
      purpose: grant.purpose,
      userId: grant.userId,
      newEmail: grant.newEmail ?? null,
      createdAt: new Date(now),
      expiresAt,
    });
    return { token, expiresAt };
  }

  /**
   * The token's row if it could be spent now, without spending it: to learn whose link it is before the new password is
   * checked against the policy, so a refused password leaves the link working. Only `consume` decides.
   */
  async peek(executor: Db | DbTransaction, token: string, purpose: AccountTokenPurpose): Promise<AccountTokenRow | null> {
    if (!looksLikeAccountToken(token)) return null;
    const now = new Date(this.clock.now());
    const [row] = await executor
      .select()
      .from(accountTokens)
      .where(and(eq(accountTokens.tokenHash, hashSecret(token)), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, now)))
      .limit(1);
    return row ?? null;
  }

  /** Spends a token of `purpose`: its row if it was unspent, unexpired and not voided; null otherwise (and it stays spent). */
  async consume(executor: Db | DbTransaction, token: string, purpose: AccountTokenPurpose): Promise<AccountTokenRow | null> {
    if (!looksLikeAccountToken(token)) return null;
    const now = new Date(this.clock.now());
    const [row] = await executor
      .update(accountTokens)
      .set({ usedAt: now })
      .where(and(eq(accountTokens.tokenHash, hashSecret(token)), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, now)))
      .returning();
    return row ?? null;
  }

  /** Voids the user's unspent tokens of these purposes: after a password change, a disabling, a newer link. */
  async voidFor(executor: Db | DbTransaction, userId: string, purposes: readonly AccountTokenPurpose[]): Promise<void> {
    await this.#void(executor, userId, purposes, this.clock.now());
  }

  async #void(executor: Db | DbTransaction, userId: string, purposes: readonly AccountTokenPurpose[], now: number): Promise<void> {
    if (purposes.length === 0) return;
    await executor
      .update(accountTokens)
      .set({ usedAt: new Date(now) })
      .where(and(eq(accountTokens.userId, userId), inArray(accountTokens.purpose, [...purposes]), isNull(accountTokens.usedAt)));
  }
}
