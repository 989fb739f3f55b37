import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const moment = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable('users', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ['USER', 'MANAGER', 'ADMIN'] }).notNull(),
  passwordHash: text('password_hash').notNull(),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: moment('created_at').notNull(),
  updatedAt: moment('updated_at').notNull(),
});

/** A device session: one sign-in, one refresh-token family (RFC 9700 §4.14.2). */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: moment('created_at').notNull(),
    lastUsedAt: moment('last_used_at').notNull(),
    authTime: moment('auth_time').notNull(),
    absoluteExpiresAt: moment('absolute_expires_at').notNull(),
    idleExpiresAt: moment('idle_expires_at').notNull(),
    revokedAt: moment('revoked_at'),
    revokedReason: text('revoked_reason'),
    userAgent: text('user_agent'),
    ip: text('ip'),
  },
  (table) => [index('sessions_user_idx').on(table.userId), index('sessions_expiry_idx').on(table.absoluteExpiresAt)],
);

/**
 * Refresh tokens are stored only as SHA-256 hashes. `successorSealed` holds the successor token encrypted under a key
 * derived from *this* token, so a retry within the grace window gets the same successor back without the database ever
 * holding a usable token.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    tokenHash: text('token_hash').notNull().unique(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: moment('created_at').notNull(),
    expiresAt: moment('expires_at').notNull(),
    usedAt: moment('used_at'),
    successorId: uuid('successor_id'),
    successorSealed: text('successor_sealed'),
  },
  (table) => [index('refresh_tokens_session_idx').on(table.sessionId), index('refresh_tokens_expiry_idx').on(table.expiresAt)],
);

export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg', { enum: ['EdDSA', 'ES256'] }).notNull(),
  privateJwk: jsonb('private_jwk').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  createdAt: moment('created_at').notNull(),
  retiredAt: moment('retired_at'),
});

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    at: moment('at').notNull(),
    userId: uuid('user_id'),
    sid: text('sid'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    reason: text('reason'),
    detail: jsonb('detail'),
  },
  (table) => [
    index('audit_events_at_idx').on(table.at),
    index('audit_events_type_at_idx').on(table.type, table.at),
    index('audit_events_user_at_idx').on(table.userId, table.at),
  ],
);

export const schema = { users, sessions, refreshTokens, signingKeys, auditEvents };
