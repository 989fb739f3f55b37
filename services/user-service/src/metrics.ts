import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus metrics, on a registry of its own so several instances can live in one test process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portcullis_' });
  return {
    registry,
    loginAttempts: new Counter({
      name: 'portcullis_login_attempts_total',
      help: 'Sign-in attempts by outcome (succeeded, failed, throttled, busy).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    refreshes: new Counter({
      name: 'portcullis_refresh_total',
      help: 'Refresh-token exchanges by outcome (succeeded, grace_retry, refused, reuse_detected, throttled).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    reuseDetections: new Counter({
      name: 'portcullis_refresh_reuse_detected_total',
      help: 'Refresh tokens presented again after their successor was used: whole sessions revoked.',
      registers: [registry],
    }),
    authorizationDenials: new Counter({
      name: 'portcullis_authz_denied_total',
      help: 'Requests refused for a missing role or scope.',
      labelNames: ['required'] as const,
      registers: [registry],
    }),
    auditEvents: new Counter({
      name: 'portcullis_audit_events_total',
      help: 'Audit events recorded, by type.',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'portcullis_alerts_total',
      help: 'Alerts raised from the audit trail, by type (brute force, reuse, denial and refresh-failure spikes).',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    oidcGrants: new Counter({
      name: 'portcullis_oidc_grants_total',
      help: 'OpenID Provider token endpoint answers by grant type and outcome (succeeded or the OAuth error code).',
      labelNames: ['grant_type', 'outcome'] as const,
      registers: [registry],
    }),
    breachedPasswordChecks: new Counter({
      name: 'portcullis_breached_password_checks_total',
      help: 'New passwords looked up in the breached-password range API, by verdict (breached, not_breached, unknown: no answer in time).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'portcullis_http_request_duration_seconds',
      help: 'HTTP request latency by route and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
