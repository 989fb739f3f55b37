import { and, asc, eq, gt, ilike, inArray, isNotNull, isNull, or, type SQL } from 'drizzle-orm';
import type { Role, UserStatus } from '@portcullis/contracts';
import type { Db } from '../db/database.js';
import { users } from '../db/schema.js';
import type { UserRow } from './user-store.js';

export interface DirectoryQuery {
  /** A case-insensitive substring of the email or the name. */
  readonly q?: string;
  readonly role?: Role;
  readonly status?: UserStatus;
  readonly ids?: readonly string[];
  readonly limit: number;
  /** The `nextCursor` of the page before, as it was handed out. */
  readonly cursor?: string;
}

export interface DirectoryPage {
  readonly rows: UserRow[];
  /** Where the next page starts, or null when this is the last one. */
  readonly nextCursor: string | null;
}

/** A cursor that names no position this directory handed out. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** The cursor is the last email of a page, base64url: opaque to callers, and emails are unique, so pages never overlap. */
function encodeCursor(email: string): string {
  return Buffer.from(email, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const email = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only what encodeCursor makes of an email: anything else (a NUL the database would choke on, text that is not UTF-8)
  // was made by someone else.
  if (!/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u.test(email) || encodeCursor(email) !== cursor) throw new InvalidCursorError('not a cursor of this directory');
  return email;
}

/** `%`, `_` and `\` are LIKE's own characters: a search for "a_b" means those three letters, not a pattern. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

function hasStatus(status: UserStatus): SQL | undefined {
  switch (status) {
    case 'disabled':
      return eq(users.disabled, true);
    case 'invited':
      return and(eq(users.disabled, false), isNull(users.passwordHash));
    case 'unverified':
      return and(eq(users.disabled, false), isNotNull(users.passwordHash), isNull(users.emailVerifiedAt));
    case 'active':
      return and(eq(users.disabled, false), isNotNull(users.passwordHash), isNotNull(users.emailVerifiedAt));
  }
}

/**
 * The admins' user directory, one page at a time. Keyset pagination by email (the unique index the table already has):
 * a page starts after the last email of the one before, so users added or removed meanwhile never shift a page and
 * no user is shown twice, and the database walks the index instead of counting past an offset.
 */
export class UserDirectory {
  constructor(private readonly db: Db) {}

  async page(query: DirectoryQuery): Promise<DirectoryPage> {
    const conditions: Array<SQL | undefined> = [];
    if (query.cursor !== undefined) conditions.push(gt(users.email, decodeCursor(query.cursor)));
    if (query.q !== undefined) conditions.push(or(ilike(users.email, containing(query.q)), ilike(users.name, containing(query.q))));
    if (query.role !== undefined) conditions.push(eq(users.role, query.role));
    if (query.status !== undefined) conditions.push(hasStatus(query.status));
    if (query.ids !== undefined) conditions.push(inArray(users.id, [...query.ids]));
    // One row more than asked tells whether a next page exists, without counting.
    const rows = await this.db
      .select()
      .from(users)
      .where(and(...conditions))
      .orderBy(asc(users.email))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { rows: page, nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.email) : null };
  }
}
