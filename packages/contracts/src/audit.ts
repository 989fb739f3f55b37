/** Audit event types. Later features add theirs here so both sides agree on the names. */
export const AUDIT_EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'login.throttled',
  'refresh.succeeded',
  'refresh.refused',
  'refresh.reuse_detected',
  'logout',
  'session.revoked',
  'authz.denied',
  'user.changed',
  'user.created',
  'key.rotated',
  'auth.step_up',
  'request.created',
  'approval.requested',
  'approval.granted',
  'approval.consumed',
  'approval.refused',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
