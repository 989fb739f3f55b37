import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from './audit.js';
import { APPROVAL_REFUSAL_REASONS, ERROR_CODES, type ErrorCode } from './errors.js';
import { ROLES, SCOPES } from './roles.js';

/**
 * Request bodies and answers the user-service and its clients both read: the service validates and documents with
 * them, the library and its test fakes parse with them, so a rule changed here changes on both sides at once.
 */

/** An email as typed into a sign-in form: trimmed, 3–254 characters (RFC 5321's path limit). */
export const emailSchema = z.string().trim().min(3).max(254);
/** A password as typed, whatever text up to 1 KiB, so hashing cost stays bounded. */
export const passwordSchema = z.string().min(1).max(1024);

/** Email and password as a sign-in form posts them; other form fields (NextAuth's csrfToken…) are dropped. */
export const credentialsSchema = z.object({ email: emailSchema, password: passwordSchema });
/** Body of `POST /v1/auth/login`: exactly the credentials. */
export const loginBodySchema = z.strictObject(credentialsSchema.shape);

export const refreshTokenBodySchema = z.strictObject({ refreshToken: z.string().min(1).max(512) });

/** Body of `POST /v1/auth/step-up` (RFC 9470): the signed-in user's password again. */
export const stepUpBodySchema = z.strictObject({ password: passwordSchema });
/** Answer of `POST /v1/auth/step-up`: when the password was confirmed, epoch milliseconds. */
export const steppedUpSchema = z.object({ stepUpAt: z.number().int() });

/** The id one request carries through the app and the service (`x-request-id`): nothing a log line could be bent by. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
export const requestIdSchema = z.string().regex(REQUEST_ID_PATTERN);

/** The opener's nonce of an approval popup: unguessable, URL-safe (RFC 9700 §4.7 on state values). */
export const popupStateSchema = z.string().regex(/^[A-Za-z0-9_-]{22,128}$/, 'state must be 22-128 URL-safe characters');

export const scopeListSchema = z.array(z.enum(SCOPES));

/** Answer of `GET /v1/auth/session`, the app's revocation check; times are epoch milliseconds. */
export const sessionStatusSchema = z.object({
  session: z.object({
    id: z.string(),
    userId: z.string(),
    authTime: z.number().int(),
    createdAt: z.number().int(),
    expiresAt: z.number().int(),
  }),
});
export type SessionStatusAnswer = z.infer<typeof sessionStatusSchema>;

/** Body of `POST /v1/approvals/sign-in`: the approver's credentials for one request. */
export const approverSignInBodySchema = z.strictObject({ ...credentialsSchema.shape, requestId: z.uuid() });

/** Body of `POST /v1/approvals/decisions`: the ticket from the approver's sign-in, spent on one decision. */
export const approvalDecisionBodySchema = z.strictObject({
  ticket: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  state: popupStateSchema,
  decision: z.enum(['approve', 'reject']),
});

/** Answer of `POST /v1/approvals/decisions`; a rejection has no approval to expire, so `expiresAt` is null. */
export const approvalDecidedSchema = z.object({
  requestId: z.string(),
  result: z.enum(['approved', 'rejected']),
  expiresAt: z.number().int().nullable(),
});
export type ApprovalDecided = z.infer<typeof approvalDecidedSchema>;

// What a guard protects: a path (`/admin/users`) or a named action/route (`action:users.changeRole`), nothing a caller
// could use to smuggle text into the audit trail or the alert's subject (OWASP ASVS 5.0 §2.2.1).
const GUARDED_RESOURCE = /^(?:\/[A-Za-z0-9._~%/-]*|(?:action|api):[A-Za-z0-9._-]+)$/;

/** Body of `POST /v1/audit/denials`: a refusal an app's guard decided, reported for the audit trail. */
export const denialReportSchema = z.strictObject({
  resource: z.string().min(1).max(200).regex(GUARDED_RESOURCE),
  requiredRole: z.enum(ROLES).optional(),
  requiredScope: z.enum(SCOPES).optional(),
});
export type DenialReport = z.infer<typeof denialReportSchema>;

export const STATS_BUCKET_NAMES = ['minute', 'hour', 'day'] as const;

/** Answer of `GET /v1/audit/stats`: event counts per bucket start (epoch milliseconds) and type. */
export const auditStatsSchema = z.object({
  since: z.number().int(),
  bucket: z.enum(STATS_BUCKET_NAMES),
  buckets: z.array(z.object({ at: z.number().int(), type: z.enum(AUDIT_EVENT_TYPES), count: z.number().int() })),
});
export type AuditStats = z.infer<typeof auditStatsSchema>;

const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** Every refusal on the wire: a stable code, a message safe to show, and for some codes a stable reason. */
export const errorBodySchema = z.object({
  error: z.enum(ERROR_CODE_NAMES),
  message: z.string(),
  /** Why, where one error code covers several cases (`approval_invalid`). */
  reason: z.enum(APPROVAL_REFUSAL_REASONS).optional(),
});

/** The error body narrowed to the codes one answer can carry, for a route's declared responses. */
export function errorBodyWith<const C extends readonly [ErrorCode, ...ErrorCode[]]>(codes: C) {
  return errorBodySchema.extend({ error: z.enum(codes) });
}
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const MAIL_STATUSES = ['pending', 'sent', 'failed'] as const;

/** One message of the mail outbox as admins see it: who, what kind, how delivery went; never its subject or body. */
export const mailDeliverySchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  recipient: z.string(),
  status: z.enum(MAIL_STATUSES),
  attempts: z.number().int(),
  /** Epoch milliseconds. */
  createdAt: z.number().int(),
  sentAt: z.number().int().nullable(),
  /** The mail server's or the network's last refusal, if any. */
  lastError: z.string().nullable(),
});
export type MailDelivery = z.infer<typeof mailDeliverySchema>;

/** Answer of `GET /v1/admin/mail`: the outbox's counts by status, the age of its oldest pending message, the latest messages. */
export const mailDeliveryStatusSchema = z.object({
  counts: z.object({ pending: z.number().int(), sent: z.number().int(), failed: z.number().int() }),
  /** Seconds the oldest pending message has waited; null when none is pending. */
  oldestPendingSeconds: z.number().int().nullable(),
  recent: z.array(mailDeliverySchema),
});
export type MailDeliveryStatus = z.infer<typeof mailDeliveryStatusSchema>;

/** A message the development mailbox received, as it keeps it on disk (one JSON file each) for the web app's page to read. */
export const devMailboxMessageSchema = z.object({
  /** Sortable by arrival: the receiving time in milliseconds, zero-padded, then a random part. */
  id: z.string().regex(/^[0-9]{15}-[0-9a-f]{8}$/),
  receivedAt: z.number().int(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
});
export type DevMailboxMessage = z.infer<typeof devMailboxMessageSchema>;
/** An address a new account is made for (sign-up, invitation): one that mail can be sent to. */
export const accountEmailSchema = z.email().max(254);
/** A person's name as they give it when they sign up or accept an invitation. */
export const personNameSchema = z.string().trim().min(1).max(100);
/**
 * The token of a link from a mail (`?token=`), as the page that opened the link posts it. Any text up to a bound: a
 * mangled or forged one is answered `400 invalid_token` like a used one, not as malformed input.
 */
export const accountLinkTokenSchema = z.string().min(1).max(256);

/** Body of `POST /v1/auth/password/forgot`: answered `202 {}` whatever the address. */
export const passwordForgotBodySchema = z.strictObject({ email: emailSchema });
/** Body of `POST /v1/auth/password/reset`: the link's token and the new password. */
export const passwordResetBodySchema = z.strictObject({ token: accountLinkTokenSchema, password: passwordSchema });
/** Body of `POST /v1/auth/signup` (SIGNUP=open): the account is usable once its address is verified. */
export const signupBodySchema = z.strictObject({ email: accountEmailSchema, password: passwordSchema, name: personNameSchema });
/** Body of `POST /v1/auth/email/verify`. */
export const emailVerifyBodySchema = z.strictObject({ token: accountLinkTokenSchema });
/** Body of `POST /v1/auth/email/verify/resend`: answered `202 {}` whatever the address. */
export const emailVerifyResendBodySchema = z.strictObject({ email: emailSchema });
/** Body of `POST /v1/users/invitations` (ADMIN). */
export const invitationBodySchema = z.strictObject({ email: accountEmailSchema, role: z.enum(ROLES) });
/** Answer of `POST /v1/users/invitations`: the invited account's id. */
export const invitationCreatedSchema = z.object({ id: z.string() });
/** Body of `POST /v1/auth/invitations/accept`: the invitation link's token, the password and name the invitee chose. */
export const invitationAcceptBodySchema = z.strictObject({ token: accountLinkTokenSchema, password: passwordSchema, name: personNameSchema });
/** The answer of the calls that must not tell whether an address has an account: always `202 {}`. */
export const acceptedSchema = z.strictObject({});
/**
 * Where an account stands, derived from its row: disabled first; then an invitation not yet answered (no password);
 * then an address not yet proven (open sign-up); else active.
 */
export const USER_STATUSES = ['invited', 'unverified', 'active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** The most users one page of the directory holds. */
export const USER_DIRECTORY_MAX_LIMIT = 100;
/**
 * The most ids one directory query names. The list's longest text, percent-encoded at its worst (4-byte characters,
 * 12 bytes each), must keep the request under Node's 16 KiB header limit, so an over-long list is a 400, not a 431.
 */
export const USER_DIRECTORY_MAX_IDS = 25;

/**
 * Query of `GET /v1/users`, the admins' user directory: a case-insensitive substring of email or name, a role, a
 * status, `ids` (comma-separated, to name the accounts behind a list of events), a page size, and the opaque `cursor`
 * of the previous page's `nextCursor`.
 */
export const userDirectoryQuerySchema = z.strictObject({
  q: z.string().trim().min(1).max(254).optional(),
  role: z.enum(ROLES).optional(),
  status: z.enum(USER_STATUSES).optional(),
  ids: z
    .string()
    .max(USER_DIRECTORY_MAX_IDS * 37 - 1)
    .transform((list) => list.split(','))
    .pipe(z.array(z.uuid()).min(1).max(USER_DIRECTORY_MAX_IDS))
    .optional(),
  limit: z.coerce.number().int().min(1).max(USER_DIRECTORY_MAX_LIMIT).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,400}$/, 'must be the nextCursor of an earlier page')
    .optional(),
});
export type UserDirectoryQuery = z.input<typeof userDirectoryQuerySchema>;

/** Query of `GET /v1/users/{id}/events`: how many of the user's latest security events. */
export const userEventsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });

/** Answer of `POST /v1/users/{id}/password-reset`: the sessions the forced reset ended. */
export const forcedPasswordResetSchema = z.object({ revokedSessions: z.number().int().min(0) });
export type ForcedPasswordReset = z.infer<typeof forcedPasswordResetSchema>;

/** Body of `POST /v1/me/password`: the password in use (OWASP ASVS 5.0 §6.2.3) and the new one. */
export const passwordChangeBodySchema = z.strictObject({ currentPassword: passwordSchema, newPassword: passwordSchema });
/** Body of `POST /v1/me/email`: the address to move to, and the password again (OWASP ASVS 5.0 §7.5.1). */
export const emailChangeBodySchema = z.strictObject({ newEmail: accountEmailSchema, password: passwordSchema });
/** Body of `POST /v1/auth/email/confirm` and `/cancel`: the token from the link in the mail. */
export const emailChangeTokenBodySchema = z.strictObject({ token: accountLinkTokenSchema });
