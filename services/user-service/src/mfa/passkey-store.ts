import { and, asc, count, eq, lt } from 'drizzle-orm';
import type { Passkey } from '@portcullis/contracts';
import type { Db } from '../db/database.js';
import { passkeys } from '../db/schema.js';

export type PasskeyRow = typeof passkeys.$inferSelect;
type NewPasskey = Omit<typeof passkeys.$inferInsert, 'id' | 'lastUsedAt'>;

/** A passkey as its owner sees it: never the key or the credential id. */
export function toPasskey(row: PasskeyRow): Passkey {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.getTime(),
    lastUsedAt: row.lastUsedAt?.getTime() ?? null,
    deviceType: row.deviceType,
    backedUp: row.backedUp,
  };
}

/** The passkeys users registered: public keys, counters and backup flags, as the ceremonies verified them. */
export class PasskeyStore {
  constructor(private readonly db: Db) {}

  async listOf(userId: string): Promise<PasskeyRow[]> {
    return this.db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id));
  }

  async countOf(userId: string): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
    return row?.n ?? 0;
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRow | null> {
    const [row] = await this.db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId)).limit(1);
    return row ?? null;
  }

  /** Adds a passkey; null when its credential id is already registered (to this user or another). */
  async add(passkey: NewPasskey): Promise<PasskeyRow | null> {
    const [row] = await this.db.insert(passkeys).values(passkey).onConflictDoNothing({ target: passkeys.credentialId }).returning();
    return row ?? null;
  }

  /** Removes one of the user's own passkeys; null when the user has no passkey of that id. */
  async remove(userId: string, id: string): Promise<PasskeyRow | null> {
    const [row] = await this.db
      .delete(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning();
    return row ?? null;
  }

  /**
   * Records a verified use: the new counter, the backup flags and the time. The counter must go up unless the
   * authenticator keeps none (zero then and now); a counter that does not is a sign of a cloned authenticator
   * (WebAuthn L3 §6.1.1). Compare and write are one statement, so two uses of one counter value cannot both pass.
   */
  async recordUse(use: { id: string; signCount: number; deviceType: PasskeyRow['deviceType']; backedUp: boolean; at: Date }): Promise<PasskeyRow | null> {
    const [row] = await this.db
      .update(passkeys)
      .set({ signCount: use.signCount, deviceType: use.deviceType, backedUp: use.backedUp, lastUsedAt: use.at })
      .where(and(eq(passkeys.id, use.id), use.signCount === 0 ? eq(passkeys.signCount, 0) : lt(passkeys.signCount, use.signCount)))
      .returning();
    return row ?? null;
  }
}
