import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthMetrics } from './auth-metrics.js';

export interface HttpServerMetricsOptions {
  metrics: AuthMetrics;
  /**
   * The app's routes, exact (`/admin`) or as a prefix (`/api/bff/*`). Requests are labelled with the first
   * pattern that matches, anything else `other`: raw paths would let anyone create time series at will.
   */
  routes: readonly string[];
  now?: () => number;
}

interface ServerMessage {
  request: IncomingMessage;
  response: ServerResponse;
}

const START = 'http.server.request.start';
const FINISH = 'http.server.response.finish';
const BUILT_IN_ROUTES = ['/_next/*'];

/** Labels a path with the first matching pattern; prefix patterns end in `/*`. */
export function routeLabel(pathname: string, routes: readonly string[]): string {
  for (const route of [...routes, ...BUILT_IN_ROUTES]) {
    if (route.endsWith('/*')) {
      const base = route.slice(0, -2);
      if (pathname === base || pathname.startsWith(`${base}/`)) return route;
    } else if (pathname === route) {
      return route;
    }
  }
  return 'other';
}

function isServerMessage(message: unknown): message is ServerMessage {
  return message !== null && typeof message === 'object' && 'request' in message && 'response' in message;
}

/**
 * Times every request the Node.js HTTP server handles — pages, actions, route handlers, static files — from
 * Node's own diagnostics channels, because `next start` gives no hook around the whole response. Call once
 * at server start (instrumentation.ts); returns a function that stops observing.
 */
export function observeHttpServer(options: HttpServerMetricsOptions): () => void {
  const now = options.now ?? (() => performance.now());
  const started = new WeakMap<IncomingMessage, number>();
  const onStart = (message: unknown): void => {
    if (isServerMessage(message)) started.set(message.request, now());
  };
  const onFinish = (message: unknown): void => {
    if (!isServerMessage(message)) return;
    const { request, response } = message;
    const at = started.get(request);
    if (at === undefined) return;
    started.delete(request);
    const pathname = (request.url ?? '/').split('?', 1)[0] ?? '/';
    options.metrics.httpRequest({
      method: request.method ?? 'OTHER',
      route: routeLabel(pathname, options.routes),
      status: response.statusCode,
      seconds: (now() - at) / 1000,
    });
  };
  subscribe(START, onStart);
  subscribe(FINISH, onFinish);
  return () => {
    unsubscribe(START, onStart);
    unsubscribe(FINISH, onFinish);
  };
}
