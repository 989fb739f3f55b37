import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function tokenPresented(request: FastifyRequest, token: string | undefined): boolean {
  const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined || presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Metrics reveal traffic patterns (OWASP ASVS 5.0 §13.4): the scrape token, or a loopback caller when no proxy is
 * trusted. With TRUST_PROXY set, a proxy on the same host makes every request it passes on loopback, so loopback
 * proves nothing and only the token opens /metrics.
 */
function metricsAllowed(request: FastifyRequest, config: Config): boolean {
  if (tokenPresented(request, config.metricsToken)) return true;
  return config.trustProxy === undefined && LOOPBACK.has(request.ip);
}

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
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    return reply.header('cache-control', 'public, max-age=300').send(await context.keys.jwks());
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await context.database.ping();
      return { status: 'ready', database: context.database.kind };
    } catch {
      return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: 'The database is not reachable.' });
    }
  });

  app.get('/metrics', async (request, reply) => {
    if (!metricsAllowed(request, context.config)) throw new ApiError('not_found', 'Not found.');
    return reply.header('content-type', context.metrics.registry.contentType).send(await context.metrics.registry.metrics());
  });
}
