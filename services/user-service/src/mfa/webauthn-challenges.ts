import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { webauthnChallenges } from '../db/schema.js';
import { hashRefreshToken as hashSecret } from '../tokens/refresh-token.js';

type ChallengePurpose = (typeof webauthnChallenges.$inferSelect)['purpose'];

/** What a challenge was issued for: its purpose, its user (null for a passwordless sign-in) and what it is bound to. */
export interface ChallengeBinding {
  readonly purpose: ChallengePurpose;
  readonly userId: string | null;
  /** A session id, a pending sign-in's token hash, or the hash of a browser's ceremony value. */
  readonly boundTo: string;
}

/**
 * WebAuthn challenges the service issued, kept only as SHA-256 hashes, valid at most MFA_TOKEN_TTL, and spent by one
 * `DELETE ... RETURNING` so each works once, for its purpose and binding only (WebAuthn L3 §13.4.3).
 */
export class WebAuthnChallenges {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  /** Milliseconds a browser is given to finish the ceremony: the challenge's own lifetime. */
  get timeoutMs(): number {
    return this.ttlSeconds * 1000;
  }

  /** Remembers a challenge the library generated, forgetting expired ones so public ceremonies cannot pile rows up. */
  async remember(challenge: string, binding: ChallengeBinding): Promise<void> {
    const now = this.clock.now();
    await this.db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, new Date(now)));
    await this.db.insert(webauthnChallenges).values({
      challengeHash: hashSecret(challenge),
      purpose: binding.purpose,
      userId: binding.userId,
      boundTo: binding.boundTo,
      createdAt: new Date(now),
      expiresAt: new Date(now + this.ttlSeconds * 1000),
    });
  }

  /**
   * Spends a challenge: true for exactly one caller when it was issued for this purpose, user and binding and has not
   * expired; false for a replay, another binding or purpose, or an expired or unknown challenge. Check and spend are
   * one statement (OWASP ASVS 5.0 §6.5.1: a one-time secret is usable once).
   */
  async spend(challenge: string, binding: ChallengeBinding): Promise<boolean> {
    const spent = await this.db
      .delete(webauthnChallenges)
      .where(
        and(
          eq(webauthnChallenges.challengeHash, hashSecret(challenge)),
          eq(webauthnChallenges.purpose, binding.purpose),
          eq(webauthnChallenges.boundTo, binding.boundTo),
          binding.userId === null ? isNull(webauthnChallenges.userId) : eq(webauthnChallenges.userId, binding.userId),
          gt(webauthnChallenges.expiresAt, new Date(this.clock.now())),
        ),
      )
      .returning({ challengeHash: webauthnChallenges.challengeHash });
    return spent.length === 1;
  }
}
