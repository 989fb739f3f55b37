import { asc, eq } from 'drizzle-orm';
import { scopesForRole, type AdminUser, type Role, type User, type UserStatus } from '@portcullis/contracts';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { users } from '../db/schema.js';

export type UserRow = typeof users.$inferSelect;

/** Emails are compared case-insensitively; we store them trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, role: row.role, scopes: [...scopesForRole(row.role)] };
}

/** Where the account stands (contracts' USER_STATUSES): disabled first, then an unanswered invitation, then an unproven address. */
export function userStatus(row: Pick<UserRow, 'disabled' | 'passwordHash' | 'emailVerifiedAt'>): UserStatus {
  if (row.disabled) return 'disabled';
  if (row.passwordHash === null) return 'invited';
  if (row.emailVerifiedAt === null) return 'unverified';
  return 'active';
}

export function toAdminUser(row: UserRow): Omit<AdminUser, 'mfa'> {
  return {
    ...toUser(row),
    disabled: row.disabled,
    createdAt: row.createdAt.getTime(),
    status: userStatus(row),
    invitedAt: row.invitedAt?.getTime() ?? null,
    emailVerifiedAt: row.emailVerifiedAt?.getTime() ?? null,
  };
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
}

export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async findByEmail(email: string): Promise<UserRow | null> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(eq(users.email, normalizeEmail(email)))
      .limit(1);
    return row ?? null;
  }

  async findById(id: string): Promise<UserRow | null> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    return row ?? null;
  }

  async list(): Promise<UserRow[]> {
    return this.db.select().from(users).orderBy(asc(users.email));
  }

  /** Creates the user, or returns `null` when the email is taken. */
  async create(user: NewUser): Promise<UserRow | null> {
    const now = new Date(this.clock.now());
    const [row] = await this.db
      .insert(users)
      // An account made by an operator (CLI, demo) is vouched for: its address counts as verified.
      .values({ ...user, email: normalizeEmail(user.email), emailVerifiedAt: now, createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: users.email })
      .returning();
    return row ?? null;
  }

  /** Creates the user or resets role, password and enabled state: used for demo users. */
  async upsert(user: NewUser): Promise<UserRow> {
    const now = new Date(this.clock.now());
    const [row] = await this.db
      .insert(users)
      .values({ ...user, email: normalizeEmail(user.email), emailVerifiedAt: now, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: users.email,
        set: { name: user.name, role: user.role, passwordHash: user.passwordHash, disabled: false, emailVerifiedAt: now, updatedAt: now },
      })
      .returning();
    if (row === undefined) throw new Error('upsert returned no row');
    return row;
  }

  async update(id: string, change: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<UserRow | null> {
    const [row] = await this.db
      .update(users)
      .set({ ...change, updatedAt: new Date(this.clock.now()) })
      .where(eq(users.id, id))
      .returning();
    return row ?? null;
  }
}
