export { ROLES, SCOPES, scopesForRole, isRole, roleAtLeast } from './roles.js';
export type { Role, Scope } from './roles.js';
export { ERROR_CODES, isErrorCode, APPROVAL_REFUSAL_REASONS, APPROVAL_REFUSAL_MESSAGES } from './errors.js';
export type { ErrorCode, ErrorBody, ApprovalRefusalReason } from './errors.js';
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
export type {
  User,
  TokenResponse,
  DeviceSession,
  AdminUser,
  AuditEvent,
  AccessTokenClaims,
  SpendingRequest,
  ApprovalTicket,
  Alert,
  AlertType,
} from './api.js';
export { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER, addressBucket, canonicalAddress } from './client-address.js';
