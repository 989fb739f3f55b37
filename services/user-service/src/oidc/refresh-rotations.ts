import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { oidcArtifacts } from '../db/schema.js';
import { openSuccessor, sealSuccessor } from '../tokens/refresh-token.js';

/** Ids are tokens: only their SHA-256 is stored (the artifact adapter's rule). */
export function hashArtifactId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** The token endpoint's answer to a rotation, as oidc-provider builds it (RFC 6749 §5.1). */
interface TokenAnswer {
  readonly refresh_token: string;
  readonly expires_in?: number;
  readonly [field: string]: unknown;
}

interface SealedAnswer {
  readonly answer: TokenAnswer;
  readonly issuedAt: number;
}

/** How often and how long a grace retry looks for the answer of the rotation it raced with (it is milliseconds away). */
const POLL_INTERVAL_MS = 20;
const DEFAULT_WAIT_MS = 5_000;

function isTokenAnswer(body: unknown): body is TokenAnswer {
  return typeof body === 'object' && body !== null && typeof (body as { refresh_token?: unknown }).refresh_token === 'string';
}

/**
 * The one successor of a rotated OIDC refresh token (RFC 9700 §4.14.2). oidc-provider makes a new refresh token for
 * every request it lets through; we let only the first rotation of a token keep its answer. That answer is stored
 * beside the rotated token, sealed under a key only the holder of the rotated token can derive (as the API seals its
 * successors), and every grace retry — racing or later, on any instance — is answered with it instead of the fresh
 * tokens the provider made for it, which are never stored and never sent.
 */
export class RefreshRotations {
  // Requests the adapter recognised as grace retries: their own successor is not stored, their answer is replaced.
  readonly #graceRetries = new WeakSet<object>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly waitMs = DEFAULT_WAIT_MS,
  ) {}

  markGraceRetry(request: object): void {
    this.#graceRetries.add(request);
  }

  isGraceRetry(request: object | undefined): boolean {
    return request !== undefined && this.#graceRetries.has(request);
  }

  /** Keeps the first rotation's answer beside the rotated token, so grace retries get the very same successor. */
  async keep(presented: string, body: unknown): Promise<void> {
    if (!isTokenAnswer(body)) return;
    const sealed: SealedAnswer = { answer: body, issuedAt: this.clock.now() };
    await this.db
      .update(oidcArtifacts)
      .set({ successorIdHash: hashArtifactId(body.refresh_token), successorSealed: await sealSuccessor(presented, JSON.stringify(sealed)) })
      .where(and(eq(oidcArtifacts.model, 'RefreshToken'), eq(oidcArtifacts.idHash, hashArtifactId(presented))));
  }

  /**
   * The answer the first rotation of `presented` gave, with `expires_in` counted down to now; `null` if it never comes
   * (that rotation failed, or is slower than the bound). Racing retries wait here for it rather than fork the family.
   */
  async answerFor(presented: string): Promise<TokenAnswer | null> {
    const idHash = hashArtifactId(presented);
    const deadline = performance.now() + this.waitMs;
    for (;;) {
      const [row] = await this.db
        .select({ sealed: oidcArtifacts.successorSealed })
        .from(oidcArtifacts)
        .where(and(eq(oidcArtifacts.model, 'RefreshToken'), eq(oidcArtifacts.idHash, idHash), isNotNull(oidcArtifacts.successorSealed)))
        .limit(1);
      if (row?.sealed != null) {
        const opened = await openSuccessor(presented, row.sealed);
        if (opened === null) return null;
        const { answer, issuedAt } = JSON.parse(opened) as SealedAnswer;
        const elapsed = Math.floor((this.clock.now() - issuedAt) / 1000);
        return typeof answer.expires_in === 'number' ? { ...answer, expires_in: Math.max(0, answer.expires_in - elapsed) } : answer;
      }
      if (performance.now() >= deadline) return null;
      await delay(POLL_INTERVAL_MS);
    }
  }
}
