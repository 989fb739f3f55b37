import { eq } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { oidcSessionLinks } from '../db/schema.js';

/**
 * Ties an SSO session of the provider (its public `uid`) to the row in our sessions table that the sign-in created, so
 * OIDC access tokens carry our `sid` and every revocation path of ours (logout, "my sessions", admin, reuse
 * detection) ends the SSO session's tokens too.
 */
export class SessionLinks {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Points the SSO session at our session; a later sign-in in the same browser replaces the link. */
  async link(sessionUid: string, sid: string): Promise<void> {
    const createdAt = new Date(this.clock.now());
    await this.db.insert(oidcSessionLinks).values({ sessionUid, sid, createdAt }).onConflictDoUpdate({ target: oidcSessionLinks.sessionUid, set: { sid, createdAt } });
  }

  /** Our session id behind an SSO session, or `null` when there is none (never linked, or pruned). */
  async sidFor(sessionUid: string): Promise<string | null> {
    const [row] = await this.db.select({ sid: oidcSessionLinks.sid }).from(oidcSessionLinks).where(eq(oidcSessionLinks.sessionUid, sessionUid)).limit(1);
    return row?.sid ?? null;
  }
}
