import type { Alert, AlertType, AuditEventType } from '@portcullis/contracts';

/** Thresholds: an alert is raised when at least this many events fall in one window. */
export interface AlertRules {
  readonly windowSeconds: number;
  readonly failedLoginsPerAccount: number;
  readonly failedLoginsPerIp: number;
  readonly authorizationDenials: number;
  readonly refreshFailures: number;
  /** Failed second factors for one account (ALERT_MFA_FAILURES_PER_ACCOUNT). */
  readonly mfaFailuresPerAccount: number;
}

/** The part of an audit event the detectors look at. */
export interface ObservedEvent {
  readonly type: AuditEventType;
  readonly at: number;
  readonly ip: string | null;
  readonly sid: string | null;
  readonly email: string | null;
  readonly userId: string | null;
}

export type AlertCandidate = Omit<Alert, 'id' | 'raisedAt'> & { readonly dedupeKey: string };

/** Event types the detectors read; the monitor fetches only these. */
export const WATCHED_EVENT_TYPES: readonly AuditEventType[] = ['login.failed', 'refresh.reuse_detected', 'authz.denied', 'refresh.refused', 'mfa.failed'];

function groupBy(events: readonly ObservedEvent[], key: (event: ObservedEvent) => string | null): Map<string, ObservedEvent[]> {
  const groups = new Map<string, ObservedEvent[]>();
  for (const event of events) {
    const value = key(event);
    if (value === null) continue;
    const group = groups.get(value);
    if (group === undefined) groups.set(value, [event]);
    else group.push(event);
  }
  return groups;
}

/**
 * Finds attack patterns in the events of the last window: a burst of failed sign-ins for one account or from one IP
 * (brute force, credential stuffing), a burst of wrong second factors for one account (someone who has the password),
 * any refresh-token reuse, a spike of authorization denials, many refused
 * refreshes. Pure, so it can be checked with synthetic event streams; the monitor feeds it from the audit table.
 */
export function detectAlerts(events: readonly ObservedEvent[], rules: AlertRules, now: number): AlertCandidate[] {
  const windowMs = rules.windowSeconds * 1000;
  const recent = events.filter((event) => event.at > now - windowMs && event.at <= now).sort((a, b) => a.at - b.at);
  const candidates: AlertCandidate[] = [];

  function raise(
    type: AlertType,
    subject: string,
    matching: readonly ObservedEvent[],
    threshold: number,
    filter: Partial<Record<'ip' | 'email' | 'sid' | 'userId', string>>,
  ): void {
    if (matching.length < threshold) return;
    const first = matching[0];
    const last = matching[matching.length - 1];
    if (first === undefined || last === undefined) return;
    // One alert per subject and window: a continuing attack is reported again in the next window, not every scan.
    const bucket = Math.floor(first.at / windowMs);
    candidates.push({
      type,
      subject,
      dedupeKey: `${type}:${subject}:${bucket}`,
      count: matching.length,
      windowSeconds: rules.windowSeconds,
      firstEventAt: first.at,
      lastEventAt: last.at,
      events: { type: first.type, since: first.at, until: last.at, ...filter },
    });
  }

  const failedLogins = recent.filter((event) => event.type === 'login.failed');
  for (const [email, matching] of groupBy(failedLogins, (event) => event.email)) {
    raise('brute_force.account', email, matching, rules.failedLoginsPerAccount, { email });
  }
  for (const [ip, matching] of groupBy(failedLogins, (event) => event.ip)) {
    raise('brute_force.ip', ip, matching, rules.failedLoginsPerIp, { ip });
  }
  // Wrong second factors mean someone already has the password: the throttle stops the guessing, this tells an operator
  // it is happening, per account, from however many addresses (OWASP ASVS 5.0 §6.3.1).
  for (const [userId, matching] of groupBy(
    recent.filter((event) => event.type === 'mfa.failed'),
    (event) => event.userId,
  )) {
    raise('brute_force.mfa', userId, matching, rules.mfaFailuresPerAccount, { userId });
  }
  // Every reuse detection is an alert: it means a refresh token was stolen or a client is badly broken.
  for (const [sid, matching] of groupBy(
    recent.filter((event) => event.type === 'refresh.reuse_detected'),
    (event) => event.sid ?? 'unknown',
  )) {
    raise('refresh.reuse', sid, matching, 1, sid === 'unknown' ? {} : { sid });
  }
  raise(
    'authz.denial_spike',
    'all',
    recent.filter((event) => event.type === 'authz.denied'),
    rules.authorizationDenials,
    {},
  );
  raise(
    'refresh.failure_spike',
    'all',
    recent.filter((event) => event.type === 'refresh.refused'),
    rules.refreshFailures,
    {},
  );
  return candidates;
}
