import type { AlertType, AuditEventType } from '@portcullis/contracts';

/** Events that record a refusal or a failure; everything else counts as a success for the outcome filter. */
const FAILURES: ReadonlySet<AuditEventType> = new Set<AuditEventType>([
  'login.failed',
  'login.throttled',
  'refresh.refused',
  'refresh.reuse_detected',
  'authz.denied',
  'approval.refused',
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
};
