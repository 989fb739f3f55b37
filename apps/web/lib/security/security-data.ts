import {
  alertSchema,
  mailDeliveryStatusSchema,
  auditEventSchema,
  ROLES,
  USER_DIRECTORY_MAX_IDS,
  USER_DIRECTORY_MAX_LIMIT,
  userDirectoryPageSchema,
  type AuditEvent,
  type AuditEventType,
  type Role,
} from '@portcullis/contracts';
import { BackendRejectedError, BackendUnavailableError, ForbiddenError, UnauthenticatedError } from '@portcullis/next';
import { z } from 'zod';
import { auth } from '../auth';
import { buildCharts, firstBucket } from './charts';
import type { AlertRow, EventRow, SecurityDashboard, TopRow } from './dashboard-types';
import { ALERT_TITLES, outcomeOf } from './event-kinds';
import { securitySearch, WINDOWS, type SecurityQuery } from './security-query';

const EVENTS_SHOWN = 50;
// With an outcome filter the user-service cannot narrow the query itself, so we read more and filter here.
const EVENTS_READ_FOR_OUTCOME = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const statsSchema = z.object({ buckets: z.array(z.object({ at: z.number(), type: z.string(), count: z.number() })) });
const topSchema = z.object({ top: z.array(z.object({ key: z.string(), count: z.number() })) });
const sessionsSchema = z.object({ activeByRole: z.record(z.string(), z.number()) });
const alertsSchema = z.object({ alerts: z.array(alertSchema) });
const eventsSchema = z.object({ events: z.array(auditEventSchema) });
/** How many of the latest deliveries the mail panel lists. */
const MAIL_SHOWN = 10;

/** One read from the user-service with the admin's own token; it checks role and scope (audit:read) again. */
async function read<S extends z.ZodType>(accessToken: string, path: string, schema: S): Promise<z.output<S>> {
  const answer = await auth().backend.call({ method: 'GET', path, accessToken });
  if (answer.status === 401) throw new UnauthenticatedError();
  if (answer.status === 403) throw new ForbiddenError({ scope: 'audit:read' });
  if (answer.status !== 200) throw new BackendRejectedError({ backendCode: 'unknown', backendStatus: answer.status });
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new BackendUnavailableError();
  return parsed.data;
}

function path(base: string, params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  return `${base}?${search.toString()}`;
}

async function latestEvents(accessToken: string, query: SecurityQuery, since: number): Promise<{ events: AuditEvent[]; truncated: boolean }> {
  const limit = query.outcome ? EVENTS_READ_FOR_OUTCOME : EVENTS_SHOWN + 1;
  const common = { type: query.type, ip: query.ip, sid: query.sid, since: query.since ?? since, until: query.until, limit };
  const lookups: Array<Record<string, string | number | undefined>> = [];
  if (query.user === undefined) lookups.push(common);
  else if (UUID.test(query.user)) lookups.push({ ...common, userId: query.user });
  else {
    // An email names both the attempts made with it (login events carry it) and, when it is an account,
    // everything that account did.
    lookups.push({ ...common, email: query.user });
    const email = query.user.toLowerCase();
    const candidates = await read(accessToken, path('/v1/users', { q: email, limit: USER_DIRECTORY_MAX_LIMIT }), userDirectoryPageSchema);
    const account = candidates.users.find((user) => user.email === email);
    if (account) lookups.push({ ...common, userId: account.id });
  }
  const answers = await Promise.all(lookups.map((params) => read(accessToken, path('/v1/audit', params), eventsSchema)));
  const byId = new Map<string, AuditEvent>();
  for (const answer of answers) for (const event of answer.events) byId.set(event.id, event);
  const merged = [...byId.values()].filter((event) => !query.outcome || outcomeOf(event.type) === query.outcome).sort((a, b) => b.at - a.at);
  return { events: merged.slice(0, EVENTS_SHOWN), truncated: merged.length > EVENTS_SHOWN || answers.some((answer) => answer.events.length >= limit) };
}

/** The emails of the accounts behind the events shown, asked for by id: the directory may hold thousands. */
async function emailsOf(accessToken: string, events: readonly AuditEvent[]): Promise<ReadonlyMap<string, string>> {
  const ids = [...new Set(events.flatMap((event) => (event.userId === null ? [] : [event.userId])))];
  const batches = Array.from({ length: Math.ceil(ids.length / USER_DIRECTORY_MAX_IDS) }, (_, index) =>
    ids.slice(index * USER_DIRECTORY_MAX_IDS, (index + 1) * USER_DIRECTORY_MAX_IDS),
  );
  const pages = await Promise.all(
    batches.map((batch) => read(accessToken, path('/v1/users', { ids: batch.join(','), limit: USER_DIRECTORY_MAX_IDS }), userDirectoryPageSchema)),
  );
  return new Map(pages.flatMap((page) => page.users.map((user) => [user.id, user.email] as const)));
}

function eventRow(event: AuditEvent, emails: ReadonlyMap<string, string>): EventRow {
  const email = typeof event.detail?.email === 'string' ? event.detail.email : undefined;
  return {
    id: event.id,
    at: event.at,
    type: event.type,
    outcome: outcomeOf(event.type),
    user: email ?? (event.userId ? (emails.get(event.userId) ?? event.userId) : null),
    ip: event.ip,
    sid: event.sid,
    reason: event.reason,
  };
}

function topRows(rows: ReadonlyArray<{ key: string; count: number }>, window: SecurityQuery['window'], by: 'ip' | 'user'): TopRow[] {
  const type: AuditEventType = 'login.failed';
  return rows.map((row) => ({ ...row, eventsSearch: securitySearch({ window, type, [by]: row.key }) }));
}

/**
 * Reads everything the security dashboard shows for one query, in parallel, with the admin's access token.
 * Server-only: it holds the token, and the browser gets only the plain data it returns.
 */
export async function loadSecurityDashboard(query: SecurityQuery, accessToken: string, now = Date.now()): Promise<SecurityDashboard> {
  const { seconds, bucket, bucketSeconds } = WINDOWS[query.window];
  const since = firstBucket(now, query.window);
  const windowStart = now - seconds * 1000;
  const [stats, topIps, topAccounts, sessions, alerts, mail] = await Promise.all([
    read(accessToken, path('/v1/audit/stats', { since, bucket }), statsSchema),
    read(accessToken, path('/v1/audit/top', { type: 'login.failed', by: 'ip', since: windowStart, limit: 10 }), topSchema),
    read(accessToken, path('/v1/audit/top', { type: 'login.failed', by: 'email', since: windowStart, limit: 10 }), topSchema),
    read(accessToken, '/v1/stats/sessions', sessionsSchema),
    read(accessToken, path('/v1/alerts', { since: windowStart, limit: 50 }), alertsSchema),
    read(accessToken, path('/v1/admin/mail', { limit: MAIL_SHOWN }), mailDeliveryStatusSchema),
  ]);
  const { events, truncated } = await latestEvents(accessToken, query, windowStart);
  const emails = await emailsOf(accessToken, events);
  const activeSessions = Object.fromEntries(ROLES.map((role) => [role, sessions.activeByRole[role] ?? 0])) as Record<Role, number>;

  return {
    generatedAt: now,
    window: query.window,
    bucketSeconds,
    since,
    charts: buildCharts(stats.buckets, since, now, bucketSeconds),
    alerts: alerts.alerts.map((alert): AlertRow => ({
      id: alert.id,
      type: alert.type,
      title: ALERT_TITLES[alert.type],
      subject: alert.subject,
      count: alert.count,
      windowSeconds: alert.windowSeconds,
      firstEventAt: alert.firstEventAt,
      lastEventAt: alert.lastEventAt,
      raisedAt: alert.raisedAt,
      eventsSearch: securitySearch({
        window: query.window,
        type: alert.events.type,
        since: alert.events.since,
        until: alert.events.until,
        ip: alert.events.ip,
        user: alert.events.email ?? alert.events.userId,
        sid: alert.events.sid,
      }),
    })),
    topIps: topRows(topIps.top, query.window, 'ip'),
    topAccounts: topRows(topAccounts.top, query.window, 'user'),
    activeSessions,
    events: events.map((event) => eventRow(event, emails)),
    eventsTruncated: truncated,
    mail,
  };
}
