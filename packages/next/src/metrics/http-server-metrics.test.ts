import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthMetrics, type AuthMetrics } from './auth-metrics.js';
import { observeHttpServer, routeLabel } from './http-server-metrics.js';

describe('routeLabel', () => {
  const routes = ['/', '/admin', '/admin/security', '/api/bff/*'];

  it('labels exact routes and prefixes, and everything else "other"', () => {
    expect(routeLabel('/', routes)).toBe('/');
    expect(routeLabel('/admin/security', routes)).toBe('/admin/security');
    expect(routeLabel('/api/bff/auth/sessions/123', routes)).toBe('/api/bff/*');
    expect(routeLabel('/api/bff', routes)).toBe('/api/bff/*');
    expect(routeLabel('/_next/static/chunks/a.js', routes)).toBe('/_next/*');
    // Scanners must not be able to mint series: unknown paths all share one label.
    expect(routeLabel('/wp-login.php', routes)).toBe('other');
    expect(routeLabel('/admin/../etc', routes)).toBe('other');
    expect(routeLabel('/api/bffx', routes)).toBe('other');
  });
});

describe('observeHttpServer', () => {
  let server: Server;
  let metrics: AuthMetrics;
  let stop: () => void;
  let clock = 0;

  beforeEach(async () => {
    metrics = createAuthMetrics();
    clock = 0;
    stop = observeHttpServer({ metrics, routes: ['/admin', '/api/bff/*'], now: () => clock });
    server = createServer((request, response) => {
      // The handler moves the clock, so the observed latency is known exactly.
      clock += 30;
      response.writeHead(request.url?.startsWith('/admin') ? 200 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function get(path: string, method = 'GET'): Promise<void> {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
    await response.body?.cancel();
  }

  it('times every request by method, route pattern and status', async () => {
    await get('/admin?tab=1');
    await get('/admin');
    await get('/nope/123');
    await get('/admin', 'POST');
    const text = await metrics.registry.metrics();
    expect(text).toContain('portcullis_web_http_request_duration_seconds_count{method="GET",route="/admin",status="200"} 2');
    expect(text).toContain('portcullis_web_http_request_duration_seconds_sum{method="GET",route="/admin",status="200"} 0.06');
    expect(text).toContain('portcullis_web_http_request_duration_seconds_count{method="GET",route="other",status="404"} 1');
    expect(text).toContain('portcullis_web_http_request_duration_seconds_count{method="POST",route="/admin",status="200"} 1');
    expect(text).not.toContain('tab=1');
    expect(text).not.toContain('/nope');
  });

  it('stops observing when told to', async () => {
    stop();
    await get('/admin');
    expect(await metrics.registry.metrics()).not.toContain('route="/admin"');
  });
});
