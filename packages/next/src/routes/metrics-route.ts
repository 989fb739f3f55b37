import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';

export interface MetricsRouteHandlers {
  GET(request: Request): Promise<Response>;
}

/**
 * The Prometheus endpoint of the app (a route handler such as `app/api/metrics/route.ts`). Metrics reveal
 * traffic and failure patterns, so the endpoint is closed unless a bearer token is configured: without one it
 * answers 404 as if it did not exist. A route handler cannot tell loopback callers apart (Next.js keeps a
 * client-sent `X-Forwarded-For`), so the token is the only gate.
 */
export function createMetricsRoute(options: { registry: Registry; token: string | undefined }): MetricsRouteHandlers {
  const expected = options.token === undefined ? undefined : digest(options.token);
  return {
    async GET(request) {
      const headers = { 'cache-control': 'no-store' };
      if (expected === undefined) return Response.json({ error: 'not_found', message: 'No such endpoint.' }, { status: 404, headers });
      const presented = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      // Compared as fixed-length digests in constant time: neither the length nor a prefix of the token leaks.
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        return Response.json(
          { error: 'unauthenticated', message: 'A metrics token is required.' },
          { status: 401, headers: { ...headers, 'www-authenticate': 'Bearer realm="metrics"' } },
        );
      }
      return new Response(await options.registry.metrics(), { status: 200, headers: { ...headers, 'content-type': options.registry.contentType } });
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
