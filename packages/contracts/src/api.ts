import { z } from 'zod';
import { ROLES } from './roles.js';
import { scopeListSchema, USER_STATUSES } from './wire.js';
import { AUDIT_EVENT_TYPES } from './audit.js';
import { mfaStatusSchema } from './mfa-status.js';

/** The user as the API shows it: never a password hash. */
export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  scopes: scopeListSchema,
});
export type User = z.infer<typeof userSchema>;

/** Answer of `POST /v1/auth/login` and `POST /v1/auth/refresh`; times are epoch milliseconds. */
export const tokenResponseSchema = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  accessTokenExpiresAt: z.number().int(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.number().int(),
  sessionExpiresAt: z.number().int(),
  /**
   * How long after this answer its rotated refresh token may still be retried by the same client (RFC 9700 §4.14.2):
   * an app caching the answer for such retries keeps it no longer. Optional: older services do not send it.
   */
  refreshReuseGraceSeconds: z.number().int().nonnegative().optional(),
  user: userSchema,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const deviceSessionSchema = z.object({
  id: z.string(),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int(),
  expiresAt: z.number().int(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  current: z.boolean(),
});
export type DeviceSession = z.infer<typeof deviceSessionSchema>;

export const adminUserSchema = userSchema.extend({
  disabled: z.boolean(),
  createdAt: z.number().int(),
  status: z.enum(USER_STATUSES),
  /** When an admin invited the address; null for accounts made otherwise. */
  invitedAt: z.number().int().nullable(),
  /** When the address was proven (operator-made accounts: at creation); null while it is not. */
  emailVerifiedAt: z.number().int().nullable(),
  /** The user's second factors and whether one is required of them. */
  mfa: mfaStatusSchema,
});
export type AdminUser = z.infer<typeof adminUserSchema>;

/** Answer of `GET /v1/users`: one page of the directory, by email; `nextCursor` asks for the next, null on the last. */
export const userDirectoryPageSchema = z.object({ users: z.array(adminUserSchema), nextCursor: z.string().nullable() });
export type UserDirectoryPage = z.infer<typeof userDirectoryPageSchema>;

export const auditEventSchema = z.object({
  id: z.string(),
  type: z.enum(AUDIT_EVENT_TYPES),
  at: z.number().int(),
  userId: z.string().nullable(),
  sid: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** Claims of a Portcullis access token (RFC 9068 §2.2 plus our own `sid`, `role`). */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  exp: number;
  iat: number;
  jti: string;
  sid: string;
  auth_time: number;
  /** RFC 8176 methods of the sign-in (see AMR_VALUES) and the matching `acr` (ACR_VALUES). */
  amr: string[];
  acr: string;
  role: (typeof ROLES)[number];
  scope: string;
}

/** A user's request to raise their spending limit, which a MANAGER or ADMIN must approve. */
export const spendingRequestSchema = z.object({
  id: z.string(),
  requesterId: z.string(),
  amount: z.number().int(),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  createdAt: z.number().int(),
  decidedAt: z.number().int().nullable(),
  /** True while an approval waits to be consumed by the requester. */
  approvalWaiting: z.boolean(),
});
export type SpendingRequest = z.infer<typeof spendingRequestSchema>;

/** What an approver sees before deciding: who asks, what, when. */
export const approvalTicketSchema = z.object({
  ticket: z.string(),
  expiresAt: z.number().int(),
  request: z.object({
    id: z.string(),
    amount: z.number().int(),
    reason: z.string(),
    createdAt: z.number().int(),
    requester: z.object({ email: z.string(), name: z.string() }),
  }),
});
export type ApprovalTicket = z.infer<typeof approvalTicketSchema>;

/** Attack patterns the user-service detects in its audit trail. */
export const ALERT_TYPES = ['brute_force.account', 'brute_force.ip', 'refresh.reuse', 'authz.denial_spike', 'refresh.failure_spike', 'brute_force.mfa'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const alertSchema = z.object({
  id: z.string(),
  type: z.enum(ALERT_TYPES),
  /** What the alert is about: an email, an IP address, a session id, a user id, or "all". */
  subject: z.string(),
  count: z.number().int(),
  windowSeconds: z.number().int(),
  firstEventAt: z.number().int(),
  lastEventAt: z.number().int(),
  raisedAt: z.number().int(),
  /** The audit query that lists the events behind the alert. */
  events: z.object({
    type: z.enum(AUDIT_EVENT_TYPES),
    since: z.number().int(),
    until: z.number().int(),
    ip: z.string().optional(),
    email: z.string().optional(),
    sid: z.string().optional(),
    userId: z.string().optional(),
  }),
});
export type Alert = z.infer<typeof alertSchema>;
