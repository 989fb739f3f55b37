import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { METRICS_SCRAPER, PUBLIC } from '../http/access-rule.js';
import { routeResponses } from '../http/route-responses.js';

/** A public key as the JWKS publishes it (RFC 7517 §4); whatever else a key object holds is never written out. */
const publicJwk = z.object({
  kty: z.string(),
  kid: z.string().optional(),
  alg: z.string().optional(),
  use: z.string().optional(),
  crv: z.string().optional(),
  x: z.string().optional(),
  y: z.string().optional(),
});

/** Says at start-up who may read /metrics, so a closed endpoint behind a proxy is no surprise. */
function logMetricsAccess(context: ServiceContext): void {
  const { trustProxy, metricsToken } = context.config;
  if (trustProxy === undefined) {
    context.logger.info({ metrics: metricsToken === undefined ? 'loopback' : 'loopback or METRICS_TOKEN' }, '/metrics answers loopback callers and the scrape token');
  } else if (metricsToken === undefined) {
    context.logger.warn({ metrics: 'closed' }, '/metrics is closed: TRUST_PROXY is set, so loopback callers are not trusted; set METRICS_TOKEN to scrape it');
  } else {
    context.logger.info({ metrics: 'METRICS_TOKEN' }, '/metrics requires METRICS_TOKEN: TRUST_PROXY is set, so loopback callers are not trusted');
  }
}

/** Key publication, health, readiness and metrics. */
export function registerSystemRoutes(app: FastifyInstance, context: ServiceContext): void {
  logMetricsAccess(context);
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.route({
    method: 'GET',
    url: '/.well-known/jwks.json',
    config: { access: PUBLIC },
    schema: {
      operationId: 'getJwks',
      tags: ['system'],
      summary: 'The public keys that verify our access tokens (RFC 7517).',
      response: routeResponses(PUBLIC, { 200: z.object({ keys: z.array(publicJwk) }) }, { method: 'GET' }),
    },
    handler: async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(await context.keys.jwks()),
  });

  routes.route({
    method: 'GET',
    url: '/healthz',
    config: { access: PUBLIC },
    schema: {
      operationId: 'getHealth',
      tags: ['system'],
      summary: 'Liveness: the process answers.',
      response: routeResponses(PUBLIC, { 200: z.object({ status: z.literal('ok') }) }, { method: 'GET' }),
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  routes.route({
    method: 'GET',
    url: '/readyz',
    config: { access: PUBLIC },
    schema: {
      operationId: 'getReadiness',
      tags: ['system'],
      summary: 'Readiness: the database answers.',
      response: routeResponses(PUBLIC, { 200: z.object({ status: z.literal('ready'), database: z.enum(['postgres', 'pglite']) }) }, { method: 'GET' }),
    },
    handler: async (_request, reply) => {
      try {
        await context.database.ping();
        return { status: 'ready' as const, database: context.database.kind };
      } catch {
        return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: 'The database is not reachable.' });
      }
    },
  });

  routes.route({
    method: 'GET',
    url: '/metrics',
    config: { access: METRICS_SCRAPER },
    schema: {
      operationId: 'getMetrics',
      tags: ['system'],
      summary: 'Prometheus metrics, for the scrape token or (without TRUST_PROXY) a loopback caller.',
      // Prometheus' text exposition format, not JSON: declared under its own media type so the document says what is sent.
      response: {
        ...routeResponses(METRICS_SCRAPER, {}, { method: 'GET' }),
        200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
      },
    },
    handler: async (_request, reply) => reply.header('content-type', context.metrics.registry.contentType).send(await context.metrics.registry.metrics()),
  });
}
