export { ROLES, SCOPES, scopesForRole, isRole, roleAtLeast } from './roles.js';
export type { Role, Scope } from './roles.js';
export { ERROR_CODES, ERROR_STATUS_VARIANTS, isErrorCode, APPROVAL_REFUSAL_REASONS, APPROVAL_REFUSAL_MESSAGES } from './errors.js';
export type { ErrorCode, ErrorStatusVariant, ApprovalRefusalReason } from './errors.js';
export { AUDIT_EVENT_TYPES } from './audit.js';
export type { AuditEventType } from './audit.js';
export {
  userSchema,
  tokenResponseSchema,
  deviceSessionSchema,
  adminUserSchema,
  auditEventSchema,
  spendingRequestSchema,
  approvalTicketSchema,
  alertSchema,
  ALERT_TYPES,
} from './api.js';
export type { User, TokenResponse, DeviceSession, AdminUser, AuditEvent, AccessTokenClaims, SpendingRequest, ApprovalTicket, Alert, AlertType } from './api.js';
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
  accountEmailSchema,
  personNameSchema,
  accountLinkTokenSchema,
  passwordForgotBodySchema,
  passwordResetBodySchema,
  signupBodySchema,
  emailVerifyBodySchema,
  emailVerifyResendBodySchema,
  invitationBodySchema,
  invitationCreatedSchema,
  invitationAcceptBodySchema,
  acceptedSchema,
  passwordChangeBodySchema,
  emailChangeBodySchema,
  emailChangeTokenBodySchema,
} from './wire.js';
export type { SessionStatusAnswer, ApprovalDecided, DenialReport, AuditStats, ErrorBody } from './wire.js';
