import type { AlertType, AuditEventType, MailDeliveryStatus, Role } from '@portcullis/contracts';
import type { WindowKey } from './security-query';

/** Everything the dashboard shows, as plain data: rendered on the server first, then swapped in by the client. */
export interface SecurityDashboard {
  generatedAt: number;
  window: WindowKey;
  bucketSeconds: number;
  /** Start of the first bucket; buckets run from here to `generatedAt`. */
  since: number;
  charts: ChartData[];
  alerts: AlertRow[];
  topIps: TopRow[];
  topAccounts: TopRow[];
  activeSessions: Record<Role, number>;
  events: EventRow[];
  /** More events matched than the table shows. */
  eventsTruncated: boolean;
  /** The mail outbox: counts by status, the oldest pending message's age, the latest deliveries. */
  mail: MailDeliveryStatus;
}

export interface ChartSeries {
  type: AuditEventType;
  label: string;
  /** One count per bucket, zeros included. */
  counts: number[];
}

export interface ChartData {
  id: string;
  title: string;
  series: ChartSeries[];
  /** Bucket start times (epoch ms). */
  buckets: number[];
}

export interface AlertRow {
  id: string;
  type: AlertType;
  title: string;
  subject: string;
  count: number;
  windowSeconds: number;
  firstEventAt: number;
  lastEventAt: number;
  raisedAt: number;
  /** The dashboard URL (query string) whose event table lists the events behind the alert. */
  eventsSearch: string;
}

export interface TopRow {
  key: string;
  count: number;
  eventsSearch: string;
}

export interface EventRow {
  id: string;
  at: number;
  type: AuditEventType;
  outcome: 'success' | 'failure';
  /** The account's email when known, else its id, else null. */
  user: string | null;
  ip: string | null;
  sid: string | null;
  reason: string | null;
}
