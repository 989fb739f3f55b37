import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '@portcullis/contracts';
import { STATS_BUCKETS, TOP_DIMENSIONS, type StatsBucket } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { authenticate, requireAccess } from '../http/authenticate.js';
import { parseInput } from '../http/parse.js';

/** `since` as epoch milliseconds or an ISO 8601 date or date-time; zod's ISO checks refuse calendar days that do not exist. */
const isoInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
/** Years 1 to 9999: outside them an instant has no four-digit year, and the database cannot read it. */
const EARLIEST_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');
const instant = z.string().max(40).transform((value, context) => {
  // Date.parse alone would roll 2026-02-30 over into March instead of refusing it.
  const at = /^\d{1,15}$/.test(value) ? Number(value) : isoInstant.safeParse(value).success ? Date.parse(value) : Number.NaN;
  if (at >= EARLIEST_INSTANT_MS && at <= LATEST_INSTANT_MS) return at;
  context.addIssue({ code: 'custom', message: 'must be epoch milliseconds or ISO 8601, in the years 1 to 9999' });
  return z.NEVER;
});

const auditQuery = z.strictObject({
  type: z.enum(AUDIT_EVENT_TYPES).optional(),
  userId: z.uuid().optional(),
  ip: z.string().min(1).max(64).optional(),
  email: z.string().min(1).max(254).optional(),
  sid: z.string().min(1).max(64).optional(),
  reason: z.string().min(1).max(64).optional(),
  since: instant.optional(),
  until: instant.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const statsQuery = z.strictObject({
  since: instant.optional(),
  bucket: z.enum(Object.keys(STATS_BUCKETS) as [StatsBucket, ...StatsBucket[]]).default('hour'),
});

const topQuery = z.strictObject({
  type: z.enum(AUDIT_EVENT_TYPES).default('login.failed'),
  by: z.enum(TOP_DIMENSIONS).default('ip'),
  since: instant.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

const alertsQuery = z.strictObject({
  since: instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function registerAuditRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get('/v1/audit', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { role: 'ADMIN', scope: 'audit:read' });
    const query = parseInput(auditQuery, request.query, 'query');
    return { events: await context.audit.list(query) };
  });

  app.get('/v1/audit/stats', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { role: 'ADMIN', scope: 'audit:read' });
    const query = parseInput(statsQuery, request.query, 'query');
    const since = query.since ?? context.clock.now() - 24 * 3600 * 1000;
    return { since, bucket: query.bucket, buckets: await context.audit.stats(since, query.bucket) };
  });

  app.get('/v1/audit/top', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { role: 'ADMIN', scope: 'audit:read' });
    const query = parseInput(topQuery, request.query, 'query');
    const since = query.since ?? context.clock.now() - 24 * 3600 * 1000;
    return { type: query.type, by: query.by, since, top: await context.audit.top(query.type, query.by, since, query.limit) };
  });

  app.get('/v1/alerts', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { role: 'ADMIN', scope: 'audit:read' });
    const query = parseInput(alertsQuery, request.query, 'query');
    return { alerts: await context.alerts.list({ since: query.since ?? context.clock.now() - 7 * 24 * 3600 * 1000, limit: query.limit }) };
  });

  app.get('/v1/stats/sessions', async (request: FastifyRequest) => {
    const principal = await authenticate(context, request);
    await requireAccess(context, request, principal, { role: 'ADMIN', scope: 'audit:read' });
    return { activeByRole: await context.sessions.countActiveByRole() };
  });
}
