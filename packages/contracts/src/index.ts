export { ROLES, SCOPES, scopesForRole, isRole, roleAtLeast } from './roles.js';
export type { Role, Scope } from './roles.js';
export { ERROR_CODES, isErrorCode, APPROVAL_REFUSAL_REASONS, APPROVAL_REFUSAL_MESSAGES } from './errors.js';
export type { ErrorCode, ApprovalRefusalReason } from './errors.js';
export { AUDIT_EVENT_TYPES } from './audit.js';
export type { AuditEventType } from './audit.js';
export {
  userSchema,
  tokenResponseSchema,
  deviceSessionSchema,
  adminUserSchema,
  userDirectoryPageSchema,
  auditEventSchema,
  spendingRequestSchema,
  approvalTicketSchema,
  alertSchema,
  ALERT_TYPES,
} from './api.js';
export type {
  User,
  TokenResponse,
  DeviceSession,
  AdminUser,
  UserDirectoryPage,
  AuditEvent,
  AccessTokenClaims,
  SpendingRequest,
  ApprovalTicket,
  Alert,
  AlertType,
} from './api.js';
export { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER, addressBucket, canonicalAddress } from './client-address.js';
export {
  emailSchema,
  passwordSchema,
  credentialsSchema,
  loginBodySchema,
  refreshTokenBodySchema,
  stepUpBodySchema,
  steppedUpSchema,
  REQUEST_ID_PATTERN,
  requestIdSchema,
  popupStateSchema,
  scopeListSchema,
  sessionStatusSchema,
  approverSignInBodySchema,
  approvalDecisionBodySchema,
  approvalDecidedSchema,
  denialReportSchema,
  STATS_BUCKET_NAMES,
  auditStatsSchema,
  errorBodySchema,
  errorBodyWith,
  USER_STATUSES,
  USER_DIRECTORY_MAX_LIMIT,
  USER_DIRECTORY_MAX_IDS,
  userDirectoryQuerySchema,
  userEventsQuerySchema,
  forcedPasswordResetSchema,
} from './wire.js';
export type { SessionStatusAnswer, ApprovalDecided, DenialReport, AuditStats, ErrorBody, UserStatus, UserDirectoryQuery, ForcedPasswordReset } from './wire.js';
