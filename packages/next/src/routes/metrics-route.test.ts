import { describe, expect, it } from 'vitest';
import { createAuthMetrics } from '../metrics/auth-metrics.js';
import { createMetricsRoute } from './metrics-route.js';

const TOKEN = 'metrics-token-0123456789';

function scrape(route: ReturnType<typeof createMetricsRoute>, authorization?: string): Promise<Response> {
  return route.GET(new Request('http://localhost:3000/api/metrics', { headers: authorization ? { authorization } : {} }));
}

describe('metrics route', () => {
  it('does not exist without a configured token: metrics are never public by default', async () => {
    const route = createMetricsRoute({ registry: createAuthMetrics().registry, token: undefined });
    expect((await scrape(route)).status).toBe(404);
    expect((await scrape(route, 'Bearer anything')).status).toBe(404);
  });

  it('refuses a missing or wrong bearer token with 401', async () => {
    const route = createMetricsRoute({ registry: createAuthMetrics().registry, token: TOKEN });
    const missing = await scrape(route);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect((await scrape(route, `Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(route, TOKEN)).status).toBe(401);
    expect(await (await scrape(route, 'Bearer wrong')).text()).not.toContain(TOKEN);
  });

  it('serves the Prometheus text format with the right token, uncached', async () => {
    const metrics = createAuthMetrics();
    metrics.authEvent({ event: 'signin', outcome: 'succeeded' });
    const response = await scrape(createMetricsRoute({ registry: metrics.registry, token: TOKEN }), `Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toContain('portcullis_web_auth_events_total{event="signin",outcome="succeeded"} 1');
  });
});
