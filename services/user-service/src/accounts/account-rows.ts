import { eq } from 'drizzle-orm';
import type { Db, DbTransaction } from '../db/database.js';
import { users } from '../db/schema.js';
import { normalizeEmail, type UserRow } from '../users/user-store.js';

/**
 * The account behind an address, read through the transaction of the flow that acts on it (inside a transaction every
 * read goes through it: PGlite runs one at a time, and PostgreSQL sees the same snapshot).
 */
export async function accountByEmail(executor: Db | DbTransaction, email: string): Promise<UserRow | null> {
  const [row] = await executor
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .limit(1);
  return row ?? null;
}

export async function accountById(executor: Db | DbTransaction, id: string): Promise<UserRow | null> {
  const [row] = await executor.select().from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}
