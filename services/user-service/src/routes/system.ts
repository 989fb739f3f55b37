import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function metricsAllowed(request: FastifyRequest, token: string | undefined): boolean {
  // Metrics reveal traffic patterns: loopback only unless a scrape token is configured (OWASP ASVS 5.0 §13.4).
  if (LOOPBACK.has(request.ip)) return true;
  const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined || presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Key publication, health, readiness and metrics. */
export function registerSystemRoutes(app: FastifyInstance, context: ServiceContext): void {
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
    if (!metricsAllowed(request, context.config.metricsToken)) throw new ApiError('not_found', 'Not found.');
    return reply.header('content-type', context.metrics.registry.contentType).send(await context.metrics.registry.metrics());
  });
}
