import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { alertSchema, AUDIT_EVENT_TYPES, auditEventSchema, auditStatsSchema, ROLES, STATS_BUCKET_NAMES } from '@portcullis/contracts';
import { TOP_DIMENSIONS } from '../audit/audit-log.js';
import type { ServiceContext } from '../context.js';
import { signedIn } from '../http/access-rule.js';
import { routeResponses } from '../http/route-responses.js';

/** The audit trail and what is derived from it: ADMIN role and `audit:read` scope. */
const READ_AUDIT = signedIn({ role: 'ADMIN', scope: 'audit:read' });

/** `since` as epoch milliseconds or an ISO 8601 date or date-time; zod's ISO checks refuse calendar days that do not exist. */
const isoInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
/** Years 1 to 9999: outside them an instant has no four-digit year, and the database cannot read it. */
const EARLIEST_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');
const epochMilliseconds = z.string().regex(/^\d{1,15}$/);
// The union is what the OpenAPI document shows a caller (digits, a date-time or a date), not an opaque string.
const instant = z.union([epochMilliseconds, isoInstant]).transform((value, context) => {
  // Date.parse alone would roll 2026-02-30 over into March instead of refusing it.
  const at = epochMilliseconds.safeParse(value).success ? Number(value) : Date.parse(value);
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
  bucket: z.enum(STATS_BUCKET_NAMES).default('hour'),
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
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const responses = <const S extends Record<number, z.ZodType>>(successes: S) => routeResponses(READ_AUDIT, successes, { method: 'GET' });

  routes.route({
    method: 'GET',
    url: '/v1/audit',
    config: { access: READ_AUDIT },
    schema: {
      operationId: 'listAuditEvents',
      tags: ['audit'],
      summary: 'Audit events, newest first, filtered by type, user, address, email, session, reason and time.',
      querystring: auditQuery,
      response: responses({ 200: z.object({ events: z.array(auditEventSchema) }) }),
    },
    handler: async (request) => ({ events: await context.audit.list(request.query) }),
  });

  routes.route({
    method: 'GET',
    url: '/v1/audit/stats',
    config: { access: READ_AUDIT },
    schema: {
      operationId: 'getAuditStats',
      tags: ['audit'],
      summary: 'Event counts per time bucket and type (default: the last 24 hours, hourly).',
      querystring: statsQuery,
      response: responses({ 200: auditStatsSchema }),
    },
    handler: async (request) => {
      const since = request.query.since ?? context.clock.now() - 24 * 3600 * 1000;
      return { since, bucket: request.query.bucket, buckets: await context.audit.stats(since, request.query.bucket) };
    },
  });

  routes.route({
    method: 'GET',
    url: '/v1/audit/top',
    config: { access: READ_AUDIT },
    schema: {
      operationId: 'getAuditTop',
      tags: ['audit'],
      summary: 'The addresses, emails or users with the most events of a type (default: failed sign-ins by address).',
      querystring: topQuery,
      response: responses({
        200: z.object({
          type: z.enum(AUDIT_EVENT_TYPES),
          by: z.enum(TOP_DIMENSIONS),
          since: z.number().int(),
          top: z.array(z.object({ key: z.string(), count: z.number().int() })),
        }),
      }),
    },
    handler: async (request) => {
      const { type, by, limit } = request.query;
      const since = request.query.since ?? context.clock.now() - 24 * 3600 * 1000;
      return { type, by, since, top: await context.audit.top(type, by, since, limit) };
    },
  });

  routes.route({
    method: 'GET',
    url: '/v1/alerts',
    config: { access: READ_AUDIT },
    schema: {
      operationId: 'listAlerts',
      tags: ['audit'],
      summary: 'Attack patterns detected in the audit trail (default: the last 7 days).',
      querystring: alertsQuery,
      response: responses({ 200: z.object({ alerts: z.array(alertSchema) }) }),
    },
    handler: async (request) => ({
      alerts: await context.alerts.list({ since: request.query.since ?? context.clock.now() - 7 * 24 * 3600 * 1000, limit: request.query.limit }),
    }),
  });

  routes.route({
    method: 'GET',
    url: '/v1/stats/sessions',
    config: { access: READ_AUDIT },
    schema: {
      operationId: 'getSessionStats',
      tags: ['audit'],
      summary: 'Active sessions per role.',
      response: responses({ 200: z.object({ activeByRole: z.partialRecord(z.enum(ROLES), z.number().int()) }) }),
    },
    handler: async () => ({ activeByRole: await context.sessions.countActiveByRole() }),
  });
}
