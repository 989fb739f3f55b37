import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Auth events the app sees, each with a closed set of outcomes: label values come from these unions only,
 * never from input, so an attacker cannot grow the number of time series.
 */
export type AuthEvent =
  | { event: 'signin'; outcome: 'succeeded' | 'invalid_credentials' | 'rate_limited' | 'refused' | 'unavailable' | 'second_factor_owed' | 'invalid_second_factor' }
  | { event: 'refresh'; outcome: 'rotated' | 'rejected' | 'unavailable' }
  | { event: 'signout'; outcome: 'revoked' | 'queued' | 'backchannel' }
  | { event: 'authz'; outcome: 'denied' };

/** How a refresh request met the single-flight: it started the backend call, joined one in flight, or reused a recent answer. */
export type RefreshFlight = 'started' | 'joined' | 'reused';

export const BACKEND_OPERATIONS = ['login', 'refresh', 'logout', 'session_status', 'report_denial', 'step_up', 'approval', 'account', 'call'] as const;
export type BackendOperation = (typeof BACKEND_OPERATIONS)[number];

/** `ok` 2xx/3xx, `rejected` a 4xx answer, `unavailable` no usable answer (see `BackendFailure`). */
export type BackendOutcome = 'ok' | 'rejected' | 'unavailable';
export type BackendFailure = 'timeout' | 'network' | 'server_error' | 'unreadable' | 'app_credential_refused';

interface BackendCallSample {
  operation: BackendOperation;
  outcome: BackendOutcome;
  seconds: number;
}

interface HttpRequestSample {
  method: string;
  /** A route pattern from a fixed list, never the raw path. */
  route: string;
  status: number;
  seconds: number;
}

/** What the library records; `registry` is what the metrics route serves. */
export interface AuthMetrics {
  readonly registry: Registry;
  authEvent(sample: AuthEvent): void;
  refreshFlight(kind: RefreshFlight): void;
  backendCall(sample: BackendCallSample): void;
  /** A call without a usable answer: no answer at all, a 5xx, or a 2xx whose body could not be read. */
  backendFailure(operation: BackendOperation, reason: BackendFailure): void;
  httpRequest(sample: HttpRequestSample): void;
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const PREFIX = 'portcullis_web_';

export interface AuthMetricsOptions {
  /** A registry of its own by default, so tests and several instances never collide. */
  registry?: Registry;
  /** Process metrics (CPU, memory, event-loop lag, GC). On for the process-wide instance. */
  defaultMetrics?: 'collect' | 'skip';
}

export function createAuthMetrics(options: AuthMetricsOptions = {}): AuthMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics === 'collect') collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const authEvents = new Counter({
    name: `${PREFIX}auth_events_total`,
    help: 'Auth events seen by the web app, by event (signin, refresh, signout, authz) and outcome.',
    labelNames: ['event', 'outcome'] as const,
    registers,
  });
  const refreshFlights = new Counter({
    name: `${PREFIX}refresh_single_flight_total`,
    help: 'Refreshes asked of the single-flight: started a backend call, joined one in flight, or reused a recent answer.',
    labelNames: ['result'] as const,
    registers,
  });
  const backendRequests = new Counter({
    name: `${PREFIX}backend_requests_total`,
    help: 'Calls to the user-service by operation and outcome (ok, rejected = 4xx, unavailable).',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const backendFailures = new Counter({
    name: `${PREFIX}backend_failures_total`,
    help: 'Calls to the user-service without a usable answer, by operation and reason (timeout, network, server_error, unreadable, app_credential_refused).',
    labelNames: ['operation', 'reason'] as const,
    registers,
  });
  const backendDuration = new Histogram({
    name: `${PREFIX}backend_request_duration_seconds`,
    help: 'Latency of calls to the user-service by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Latency of requests to the web app by method, route and status; its _count is the request count.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  return {
    registry,
    authEvent(sample) {
      authEvents.inc({ event: sample.event, outcome: sample.outcome });
    },
    refreshFlight(kind) {
      refreshFlights.inc({ result: kind });
    },
    backendCall(sample) {
      backendRequests.inc({ operation: sample.operation, outcome: sample.outcome });
      backendDuration.observe({ operation: sample.operation }, sample.seconds);
    },
    backendFailure(operation, reason) {
      backendFailures.inc({ operation, reason });
    },
    httpRequest(sample) {
      const method = HTTP_METHODS.has(sample.method) ? sample.method : 'OTHER';
      httpDuration.observe({ method, route: sample.route, status: String(sample.status) }, sample.seconds);
    },
  };
}

const PROCESS_METRICS = Symbol.for('@portcullis/next.metrics');

/**
 * The process-wide instance: the proxy and the routes are bundled separately by Next.js, but the metrics
 * endpoint must report what both saw, so it lives on `globalThis` like the runtime registry.
 */
export function processMetrics(): AuthMetrics {
  const holder = globalThis as typeof globalThis & { [PROCESS_METRICS]?: AuthMetrics };
  holder[PROCESS_METRICS] ??= createAuthMetrics({ defaultMetrics: 'collect' });
  return holder[PROCESS_METRICS];
}
