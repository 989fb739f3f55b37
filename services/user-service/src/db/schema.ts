import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const moment = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable('users', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ['USER', 'MANAGER', 'ADMIN'] }).notNull(),
  /** Null while an invitation is unanswered: the account exists for the directory but nobody can sign in to it. */
  passwordHash: text('password_hash'),
  disabled: boolean('disabled').notNull().default(false),
  /** When the address was proven by a link sent to it; null for an open sign-up not yet verified (it cannot sign in). */
  emailVerifiedAt: moment('email_verified_at'),
  /** When an admin invited this address; null for accounts made otherwise. */
  invitedAt: moment('invited_at'),
  /** An admin requires a second factor of this user whatever their role (MFA_REQUIRED_ROLES covers whole roles). */
  mfaRequired: boolean('mfa_required').notNull().default(false),
  createdAt: moment('created_at').notNull(),
  updatedAt: moment('updated_at').notNull(),
});

/**
 * The one-time secrets sent by mail: password reset, email verification, invitation, email change and its cancel link.
 * Stored only as SHA-256 hashes (OWASP ASVS 5.0 §6.4.1); spent by one conditional update, so each works once.
 */
export const accountTokens = pgTable(
  'account_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    purpose: text('purpose', { enum: ['password_reset', 'email_verification', 'invitation', 'email_change', 'email_change_cancel'] }).notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** For `email_change`: the address the change is to; for `email_change_cancel`: the address a cancel goes back to. */
    newEmail: text('new_email'),
    createdAt: moment('created_at').notNull(),
    expiresAt: moment('expires_at').notNull(),
    /** Set when the token is spent, or when something made it void (a newer token, a password change, disabling). */
    usedAt: moment('used_at'),
  },
  (table) => [index('account_tokens_user_purpose_idx').on(table.userId, table.purpose), index('account_tokens_expiry_idx').on(table.expiresAt)],
);

/**
 * Mail waiting to be sent, written in the same transaction as the change that causes it (the transactional outbox
 * pattern), then delivered by the sender with retries. `leaseUntil` lets several instances claim rows with
 * `FOR UPDATE SKIP LOCKED` without any of them sending a message twice. Bodies are wiped once a message is done with,
 * so the links in them do not outlive their delivery.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** What the message is about (`password_reset`, `new_device`, ...), for admins and metrics; never its content. */
    kind: text('kind').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body'),
    htmlBody: text('html_body'),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: moment('created_at').notNull(),
    nextAttemptAt: moment('next_attempt_at').notNull(),
    leaseUntil: moment('lease_until'),
    sentAt: moment('sent_at'),
    /** The last delivery error, as the SMTP server or the network said it (never the message). */
    lastError: text('last_error'),
  },
  (table) => [index('mail_outbox_due_idx').on(table.status, table.nextAttemptAt), index('mail_outbox_created_idx').on(table.createdAt)],
);

/** The devices a user has signed in from, so a sign-in from a new one can be told to them by mail. */
export const knownDevices = pgTable(
  'known_devices',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 of what identifies the device (its user agent and network); the raw values stay in the sessions. */
    deviceHash: text('device_hash').notNull(),
    firstSeenAt: moment('first_seen_at').notNull(),
    lastSeenAt: moment('last_seen_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.deviceHash] })],
);

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
    /** The last time the user proved themselves again in this session (step-up, RFC 9470). */
    stepUpAt: moment('step_up_at'),
    /** How the sign-in was proven, as RFC 8176 method names (`pwd`, `otp`, `hwk`, `swk`, `mfa`); `authTime` is its last factor. */
    amr: text('amr')
      .array()
      .notNull()
      .default(sql`'{pwd}'::text[]`),
    /** The methods of the last step-up (RFC 8176), read with `stepUpAt`. */
    stepUpAmr: text('step_up_amr').array(),
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
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    tokenHash: text('token_hash').notNull().unique(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: moment('created_at').notNull(),
    expiresAt: moment('expires_at').notNull(),
    usedAt: moment('used_at'),
    successorId: uuid('successor_id'),
    successorSealed: text('successor_sealed'),
    /** The client that rotated this token (user agent, address bucket): only it may retry within the grace window. */
    rotatedByUserAgent: text('rotated_by_user_agent'),
    rotatedByAddress: text('rotated_by_address'),
  },
  (table) => [index('refresh_tokens_session_idx').on(table.sessionId), index('refresh_tokens_expiry_idx').on(table.expiresAt)],
);

/**
 * A user's TOTP authenticator (RFC 6238). The secret is sealed (JWE, dir + A256GCM) under MFA_ENCRYPTION_KEY, never
 * stored in clear (OWASP ASVS 5.0 §6.5.5); unconfirmed until one valid code proves the user's app has it.
 * `lastUsedStep` refuses a second use of a code in its window (RFC 6238 §5.2).
 */
export const totpFactors = pgTable('totp_factors', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretSealed: text('secret_sealed').notNull(),
  createdAt: moment('created_at').notNull(),
  confirmedAt: moment('confirmed_at'),
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
});

/** WebAuthn credentials (passkeys) a user registered; the public key and counter as the ceremony verified them. */
export const passkeys = pgTable(
  'passkeys',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The credential ID, base64url, as the authenticator names it. */
    credentialId: text('credential_id').notNull().unique(),
    /** The COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    signCount: bigint('sign_count', { mode: 'number' }).notNull(),
    transports: text('transports')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** `singleDevice` or `multiDevice` (a synced passkey), and whether it is backed up: the backup flags (WebAuthn L3 §6.1). */
    deviceType: text('device_type', { enum: ['singleDevice', 'multiDevice'] }).notNull(),
    backedUp: boolean('backed_up').notNull(),
    name: text('name').notNull(),
    createdAt: moment('created_at').notNull(),
    lastUsedAt: moment('last_used_at'),
  },
  (table) => [index('passkeys_user_idx').on(table.userId)],
);

/** Recovery codes: ten per generation, SHA-256 hashes only, each spent by one conditional update. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: moment('created_at').notNull(),
    usedAt: moment('used_at'),
  },
  (table) => [primaryKey({ columns: [table.userId, table.codeHash] })],
);

/**
 * A sign-in between its password and its last factor: the `mfaToken` (SHA-256 hash only), the user, and what is still
 * owed. No session exists until it is spent (one conditional update), so nothing between the steps is worth stealing.
 */
export const pendingSignIns = pgTable(
  'pending_sign_ins',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `second_factor`: the user has one and must use it; `enrollment`: they must enrol one before any session. */
    stage: text('stage', { enum: ['second_factor', 'enrollment'] }).notNull(),
    /** The methods proven so far (RFC 8176), `{pwd}` after the password. */
    amr: text('amr').array().notNull(),
    /** The client that started it: the user agent and address bucket, as for the refresh grace binding. */
    userAgent: text('user_agent'),
    addressBucket: text('address_bucket'),
    createdAt: moment('created_at').notNull(),
    expiresAt: moment('expires_at').notNull(),
    usedAt: moment('used_at'),
  },
  (table) => [index('pending_sign_ins_expiry_idx').on(table.expiresAt)],
);

/**
 * WebAuthn challenges: SHA-256 hashes of the challenge, bound to what started the ceremony (a session, a pending
 * sign-in, or the browser's own ceremony cookie), deleted as they are used, so each works once (WebAuthn L3 §13.4.3).
 */
export const webauthnChallenges = pgTable(
  'webauthn_challenges',
  {
    challengeHash: text('challenge_hash').primaryKey(),
    purpose: text('purpose', { enum: ['registration', 'second_factor', 'passkey_sign_in', 'step_up'] }).notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The session id, the pending sign-in's token hash, or the hash of the browser's ceremony binding. */
    boundTo: text('bound_to').notNull(),
    createdAt: moment('created_at').notNull(),
    expiresAt: moment('expires_at').notNull(),
  },
  (table) => [index('webauthn_challenges_expiry_idx').on(table.expiresAt)],
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
    index('audit_events_ip_at_idx').on(table.ip, table.at),
  ],
);

/** A user's request that needs a manager's approval: raising their spending limit. */
export const spendingRequests = pgTable(
  'spending_requests',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    requesterId: uuid('requester_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    amount: integer('amount').notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'rejected'] }).notNull(),
    createdAt: moment('created_at').notNull(),
    decidedAt: moment('decided_at'),
    decidedBy: uuid('decided_by'),
  },
  (table) => [index('spending_requests_requester_idx').on(table.requesterId, table.createdAt)],
);

/**
 * A proof that an approver entered their password for one request, held only by the approval popup's server side.
 * Single use, minutes long; stored as a hash like every token.
 */
export const approvalTickets = pgTable('approval_tickets', {
  ticketHash: text('ticket_hash').primaryKey(),
  requestId: uuid('request_id')
    .notNull()
    .references(() => spendingRequests.id, { onDelete: 'cascade' }),
  approverId: uuid('approver_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  createdAt: moment('created_at').notNull(),
  expiresAt: moment('expires_at').notNull(),
  usedAt: moment('used_at'),
});

/** An approval: single use, valid minutes, scope `approval:<requestId>`, bound to request, requester, approver, state. */
export const approvals = pgTable(
  'approvals',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    requestId: uuid('request_id')
      .notNull()
      .references(() => spendingRequests.id, { onDelete: 'cascade' }),
    requesterId: uuid('requester_id').notNull(),
    approverId: uuid('approver_id').notNull(),
    scope: text('scope').notNull(),
    stateHash: text('state_hash').notNull(),
    createdAt: moment('created_at').notNull(),
    expiresAt: moment('expires_at').notNull(),
    consumedAt: moment('consumed_at'),
  },
  (table) => [index('approvals_request_idx').on(table.requestId)],
);

/**
 * Alerts raised from the audit trail. `dedupeKey` is unique so that several instances scanning the same events
 * raise each alert once.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    subject: text('subject').notNull(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    count: integer('count').notNull(),
    windowSeconds: integer('window_seconds').notNull(),
    firstEventAt: moment('first_event_at').notNull(),
    lastEventAt: moment('last_event_at').notNull(),
    raisedAt: moment('raised_at').notNull(),
    events: jsonb('events').notNull(),
  },
  (table) => [index('alerts_raised_idx').on(table.raisedAt)],
);

/**
 * What the OpenID Provider (oidc-provider) stores: sessions, interactions, authorization codes, refresh tokens, grants,
 * replay records — one row per artifact, keyed by model and the SHA-256 of its id, so a database read never yields a
 * usable code, token or SSO cookie value (the id itself is not stored anywhere in the row).
 */
export const oidcArtifacts = pgTable(
  'oidc_artifacts',
  {
    model: text('model').notNull(),
    idHash: text('id_hash').notNull(),
    payload: jsonb('payload').notNull(),
    grantId: text('grant_id'),
    /** The provider session's public uid (not its cookie value), for `findByUid`. */
    sessionUid: text('session_uid'),
    userCodeHash: text('user_code_hash'),
    expiresAt: moment('expires_at'),
    consumedAt: moment('consumed_at'),
    /** For a rotated refresh token: the client that rotated it, and its successor's answer sealed under it. */
    rotatedBy: text('rotated_by'),
    successorIdHash: text('successor_id_hash'),
    successorSealed: text('successor_sealed'),
  },
  (table) => [
    primaryKey({ columns: [table.model, table.idHash] }),
    index('oidc_artifacts_grant_idx').on(table.grantId),
    index('oidc_artifacts_session_uid_idx').on(table.model, table.sessionUid),
    index('oidc_artifacts_expiry_idx').on(table.expiresAt),
  ],
);

/** Which of our sessions an SSO session of the provider stands for: its `sid` goes into every OIDC access token. */
export const oidcSessionLinks = pgTable('oidc_session_links', {
  sessionUid: text('session_uid').primaryKey(),
  sid: text('sid')
    .notNull()
    .references(() => sessions.id, { onDelete: 'cascade' }),
  createdAt: moment('created_at').notNull(),
});

export const schema = {
  users,
  accountTokens,
  mailOutbox,
  knownDevices,
  sessions,
  refreshTokens,
  signingKeys,
  totpFactors,
  passkeys,
  recoveryCodes,
  pendingSignIns,
  webauthnChallenges,
  auditEvents,
  spendingRequests,
  approvalTickets,
  approvals,
  alerts,
  oidcArtifacts,
  oidcSessionLinks,
};
