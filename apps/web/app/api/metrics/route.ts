import { auth } from '../../../lib/auth';

// Prometheus scrapes this with `Authorization: Bearer $WEB_METRICS_TOKEN`; see docs/operations.md.
export function GET(request: Request): Promise<Response> {
  return auth().metricsRoute.GET(request);
}
