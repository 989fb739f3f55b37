import { and, desc, eq, gte, isNotNull, lte, sql, type SQL } from 'drizzle-orm';
import type { AuditEvent, AuditEventType, STATS_BUCKET_NAMES } from '@portcullis/contracts';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { auditEvents } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export interface AuditRecord {
  type: AuditEventType;
  userId?: string | null;
  sid?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  reason?: string | null;
  detail?: Record<string, string | number | boolean | null>;
  /** Logged as `reqId` (not stored): follows the request from the browser through the app to here. */
  requestId?: string;
}

export interface AuditQuery {
  type?: AuditEventType;
  userId?: string;
  ip?: string;
  email?: string;
  sid?: string;
  reason?: string;
  since?: number;
  until?: number;
  limit: number;
}

export const TOP_DIMENSIONS = ['ip', 'email', 'user'] as const;
export type TopDimension = (typeof TOP_DIMENSIONS)[number];

export type StatsBucket = (typeof STATS_BUCKET_NAMES)[number];
export const STATS_BUCKETS: Readonly<Record<StatsBucket, number>> = { minute: 60, hour: 3600, day: 86_400 };

/** The audit trail: one row per security event, the same event as a structured log line, and a metric. */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Records an event. A failure to store it is logged as an error but does not undo the action it describes:
   * a revocation that happened must stay in force even if its audit row could not be written.
   */
  async record(event: AuditRecord): Promise<void> {
    const at = this.clock.now();
    this.announce(event, at);
    try {
      await this.db.insert(auditEvents).values({
        type: event.type,
        at: new Date(at),
        userId: event.userId ?? null,
        sid: event.sid ?? null,
        ip: event.ip ?? null,
        userAgent: event.userAgent?.slice(0, 512) ?? null,
        reason: event.reason ?? null,
        detail: event.detail ?? null,
      });
    } catch (error) {
      this.logger.error({ err: error, auditType: event.type }, 'audit event could not be stored');
    }
  }

  /**
   * The log line and the metric of an event whose row was written elsewhere, in the same statement as the action it
   * describes (a refresh's rotation: one commit, one WAL flush instead of two — docs/benchmarks.md, and never one without the
   * other).
   */
  announce(event: AuditRecord, at: number): void {
    this.metrics.auditEvents.inc({ type: event.type });
    const { requestId, ...audit } = event;
    this.logger.info({ ...(requestId === undefined ? {} : { reqId: requestId }), audit: { ...audit, at } }, event.type);
  }

  async list(query: AuditQuery): Promise<AuditEvent[]> {
    const conditions: SQL[] = [];
    if (query.type !== undefined) conditions.push(eq(auditEvents.type, query.type));
    if (query.userId !== undefined) conditions.push(eq(auditEvents.userId, query.userId));
    if (query.ip !== undefined) conditions.push(eq(auditEvents.ip, query.ip));
    if (query.email !== undefined) conditions.push(sql`${auditEvents.detail}->>'email' = ${query.email}`);
    if (query.sid !== undefined) conditions.push(eq(auditEvents.sid, query.sid));
    if (query.reason !== undefined) conditions.push(eq(auditEvents.reason, query.reason));
    if (query.since !== undefined) conditions.push(gte(auditEvents.at, new Date(query.since)));
    if (query.until !== undefined) conditions.push(lte(auditEvents.at, new Date(query.until)));
    const rows = await this.db
      .select()
      .from(auditEvents)
      .where(and(...conditions))
      .orderBy(desc(auditEvents.at), desc(auditEvents.id))
      .limit(query.limit);
    return rows.map((row) => ({
      id: String(row.id),
      type: row.type as AuditEventType,
      at: row.at.getTime(),
      userId: row.userId,
      sid: row.sid,
      ip: row.ip,
      userAgent: row.userAgent,
      reason: row.reason,
      detail: (row.detail as Record<string, unknown> | null) ?? null,
    }));
  }

  /** Counts per event type and time bucket since `since`, for charts. */
  async stats(since: number, bucket: StatsBucket): Promise<Array<{ at: number; type: AuditEventType; count: number }>> {
    // Inlined, not a bind parameter: PostgreSQL only matches the SELECT expression to the GROUP BY one when they are
    // textually the same, and `$1` vs `$4` are not. The width comes from our own constant table, never from input.
    const width = sql.raw(String(STATS_BUCKETS[bucket]));
    const bucketStart = sql<number>`(floor(extract(epoch from ${auditEvents.at}) / ${width}) * ${width})::bigint`;
    const rows = await this.db
      .select({ start: bucketStart, type: auditEvents.type, count: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(gte(auditEvents.at, new Date(since)))
      .groupBy(bucketStart, auditEvents.type)
      .orderBy(bucketStart, auditEvents.type);
    return rows.map((row) => ({ at: Number(row.start) * 1000, type: row.type as AuditEventType, count: Number(row.count) }));
  }

  /** The most frequent IPs, emails or users among events of one type since `since` (e.g. top sources of failures). */
  async top(type: AuditEventType, by: TopDimension, since: number, limit: number): Promise<Array<{ key: string; count: number }>> {
    const key = by === 'ip' ? sql<string>`${auditEvents.ip}` : by === 'user' ? sql<string>`${auditEvents.userId}::text` : sql<string>`${auditEvents.detail}->>'email'`;
    const rows = await this.db
      .select({ key, count: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(and(eq(auditEvents.type, type), gte(auditEvents.at, new Date(since)), isNotNull(key)))
      .groupBy(key)
      .orderBy(desc(sql`count(*)`))
      .limit(limit);
    return rows.map((row) => ({ key: String(row.key), count: Number(row.count) }));
  }
}
