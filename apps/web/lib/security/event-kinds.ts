import type { AlertType, AuditEventType } from '@portcullis/contracts';

/** Events that record a refusal or a failure; everything else counts as a success for the outcome filter. */
const FAILURES: ReadonlySet<AuditEventType> = new Set<AuditEventType>([
  'login.failed',
  'login.throttled',
  'refresh.refused',
  'refresh.reuse_detected',
  'authz.denied',
  'approval.refused',
  'mail.failed',
]);

export function outcomeOf(type: AuditEventType): 'success' | 'failure' {
  return FAILURES.has(type) ? 'failure' : 'success';
}

export interface ChartDefinition {
  id: string;
  title: string;
  series: ReadonlyArray<{ type: AuditEventType; label: string }>;
}

/** The charts of the dashboard, in order: what an operator looks at first during an attack comes first. */
export const CHARTS: readonly ChartDefinition[] = [
  {
    id: 'signins',
    title: 'Sign-ins',
    series: [
      { type: 'login.succeeded', label: 'Succeeded' },
      { type: 'login.failed', label: 'Failed' },
    ],
  },
  { id: 'throttled', title: 'Throttled sign-in attempts', series: [{ type: 'login.throttled', label: 'Throttled' }] },
  {
    id: 'refreshes',
    title: 'Token refreshes',
    series: [
      { type: 'refresh.succeeded', label: 'Succeeded' },
      { type: 'refresh.refused', label: 'Refused' },
    ],
  },
  { id: 'reuse', title: 'Refresh-token reuse detections', series: [{ type: 'refresh.reuse_detected', label: 'Reuse detected' }] },
  { id: 'denials', title: 'Authorization denials', series: [{ type: 'authz.denied', label: 'Denied' }] },
  // A burst of new-device sign-ins or of cancelled email changes is what account takeover looks like from here.
  { id: 'new-devices', title: 'Sign-ins from new devices', series: [{ type: 'login.new_device', label: 'New device' }] },
  {
    id: 'credential-changes',
    title: 'Password and email changes',
    series: [
      { type: 'password.changed', label: 'Password changed' },
      { type: 'email.change_requested', label: 'Email change asked' },
      { type: 'email.changed', label: 'Email changed' },
      { type: 'email.change_cancelled', label: 'Email change cancelled' },
    ],
  },
  {
    id: 'recovery',
    title: 'Password resets',
    series: [
      { type: 'password.reset_requested', label: 'Asked' },
      { type: 'password.reset', label: 'Done' },
    ],
  },
  {
    id: 'accounts',
    title: 'New accounts',
    series: [
      { type: 'account.invited', label: 'Invited' },
      { type: 'account.invitation_accepted', label: 'Invitation accepted' },
      { type: 'account.signed_up', label: 'Signed up' },
      { type: 'email.verified', label: 'Email verified' },
    ],
  },
  {
    id: 'approvals',
    title: 'Approvals',
    series: [
      { type: 'approval.requested', label: 'Requested' },
      { type: 'approval.granted', label: 'Granted' },
      { type: 'approval.consumed', label: 'Used' },
      { type: 'approval.refused', label: 'Refused' },
    ],
  },
];

export const ALERT_TITLES: Readonly<Record<AlertType, string>> = {
  'brute_force.account': 'Many failed sign-ins for one account',
  'brute_force.ip': 'Many failed sign-ins from one IP address',
  'refresh.reuse': 'Refresh token reused (session revoked)',
  'authz.denial_spike': 'Spike of authorization denials',
  'refresh.failure_spike': 'Spike of refused token refreshes',
  'brute_force.mfa': 'Many failed second factors for one account',
};
