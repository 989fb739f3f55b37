import { and, desc, gt, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { Alert, AlertType, AuditEventType } from '@portcullis/contracts';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { alerts, auditEvents } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { WATCHED_EVENT_TYPES, detectAlerts, type AlertRules, type ObservedEvent } from './detectors.js';

// Enough to judge any burst; an attack larger than this in one window is reported all the same.
const MAX_EVENTS_PER_SCAN = 50_000;

/**
 * Scans the audit trail periodically and records new alerts. Every instance scans; the unique dedupe key makes the
 * database keep each alert once, and only the instance whose insert won logs it and counts it.
 */
export class AlertMonitor {
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<Alert[]> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    readonly rules: AlertRules,
  ) {}

  start(intervalSeconds: number): void {
    this.#timer = setInterval(() => {
      this.scan().catch((error: unknown) => this.logger.warn({ err: error }, 'alert scan failed'));
    }, intervalSeconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Looks at the last window once and returns the alerts it newly raised. Overlapping calls share one scan. */
  scan(): Promise<Alert[]> {
    this.#scanning ??= this.#scanOnce().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  async #scanOnce(): Promise<Alert[]> {
    const now = this.clock.now();
    const since = new Date(now - this.rules.windowSeconds * 1000);
    const rows = await this.db
      .select({ type: auditEvents.type, at: auditEvents.at, ip: auditEvents.ip, sid: auditEvents.sid, userId: auditEvents.userId, detail: auditEvents.detail })
      .from(auditEvents)
      .where(and(inArray(auditEvents.type, [...WATCHED_EVENT_TYPES]), gt(auditEvents.at, since), this.#couldRaiseAnAlert(since)))
      .orderBy(desc(auditEvents.at))
      .limit(MAX_EVENTS_PER_SCAN);
    const events: ObservedEvent[] = rows.map((row) => {
      const email = (row.detail as { email?: unknown } | null)?.email;
      return { type: row.type as AuditEventType, at: row.at.getTime(), ip: row.ip, sid: row.sid, userId: row.userId, email: typeof email === 'string' ? email : null };
    });
    const raised: Alert[] = [];
    for (const candidate of detectAlerts(events, this.rules, now)) {
      const [row] = await this.db
        .insert(alerts)
        .values({
          type: candidate.type,
          subject: candidate.subject,
          dedupeKey: candidate.dedupeKey,
          count: candidate.count,
          windowSeconds: candidate.windowSeconds,
          firstEventAt: new Date(candidate.firstEventAt),
          lastEventAt: new Date(candidate.lastEventAt),
          raisedAt: new Date(now),
          events: candidate.events,
        })
        .onConflictDoNothing({ target: alerts.dedupeKey })
        .returning();
      if (row === undefined) continue;
      const alert = toAlert(row);
      this.metrics.alerts.inc({ type: alert.type });
      this.logger.warn({ alert }, `alert.${alert.type}`);
      raised.push(alert);
    }
    return raised;
  }

  /**
   * Only events of a group that reaches its threshold can take part in an alert, so the database counts the groups
   * and sends just those: a storm of failures from many addresses and accounts (none of them a burst) no longer ships
   * thousands of rows to the event loop every scan, where parsing them delayed token checks (docs/benchmarks.md, scenario 3).
   * A group at its threshold is sent whole, so `detectAlerts` sees exactly the groups it would have found itself.
   */
  #couldRaiseAnAlert(since: Date): SQL {
    const rules = this.rules;
    const failedSince = sql`type = 'login.failed' and at > ${since.toISOString()}`;
    return sql`(
      ${auditEvents.type} = 'refresh.reuse_detected'
      or (${auditEvents.type} = 'login.failed' and (
        (${auditEvents.detail} ->> 'email') in (select detail ->> 'email' from audit_events where ${failedSince} group by 1 having count(*) >= ${rules.failedLoginsPerAccount})
        or ${auditEvents.ip} in (select ip from audit_events where ${failedSince} group by 1 having count(*) >= ${rules.failedLoginsPerIp})))
      or (${auditEvents.type} = 'mfa.failed' and ${auditEvents.userId} in (
        select user_id from audit_events where type = 'mfa.failed' and at > ${since.toISOString()} group by 1 having count(*) >= ${rules.mfaFailuresPerAccount}))
      or (${auditEvents.type} = 'authz.denied'
        and (select count(*) from audit_events where type = 'authz.denied' and at > ${since.toISOString()}) >= ${rules.authorizationDenials})
      or (${auditEvents.type} = 'refresh.refused'
        and (select count(*) from audit_events where type = 'refresh.refused' and at > ${since.toISOString()}) >= ${rules.refreshFailures})
    )`;
  }

  async list(options: { since: number; limit: number }): Promise<Alert[]> {
    const rows = await this.db
      .select()
      .from(alerts)
      .where(gte(alerts.raisedAt, new Date(options.since)))
      .orderBy(desc(alerts.raisedAt), desc(alerts.id))
      .limit(options.limit);
    return rows.map(toAlert);
  }
}

function toAlert(row: typeof alerts.$inferSelect): Alert {
  return {
    id: String(row.id),
    type: row.type as AlertType,
    subject: row.subject,
    count: row.count,
    windowSeconds: row.windowSeconds,
    firstEventAt: row.firstEventAt.getTime(),
    lastEventAt: row.lastEventAt.getTime(),
    raisedAt: row.raisedAt.getTime(),
    events: row.events as Alert['events'],
  };
}
