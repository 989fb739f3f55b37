import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The messages still waiting in the mail outbox, as the metrics report them on each scrape. */
export interface MailBacklog {
  readonly pending: number;
  /** Age of the oldest pending message; 0 when none is pending. */
  readonly oldestPendingSeconds: number;
}

export interface MetricSources {
  /** Reads the outbox's backlog; a failed read (database down) keeps the last values. */
  readonly mailBacklog?: () => Promise<MailBacklog>;
}

/** The service's Prometheus metrics, on a registry of its own so several instances can live in one test process. */
export function createMetrics(sources: MetricSources = {}) {
  const registry = new Registry();
  const readBacklog = async (pick: (backlog: MailBacklog) => number, gauge: Gauge): Promise<void> => {
    if (sources.mailBacklog === undefined) return;
    try {
      gauge.set(pick(await sources.mailBacklog()));
    } catch {
      // A scrape during a database outage still answers; the gauge keeps the last value it read.
    }
  };
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
    mailSent: new Counter({
      name: 'portcullis_mail_sent_total',
      help: 'Mail handed to the mail server, by kind (password_reset, email_verification, ...).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    mailFailed: new Counter({
      name: 'portcullis_mail_failed_total',
      help: 'Failed mail deliveries by kind; final="true" when the message was given up, "false" when it will be retried.',
      labelNames: ['kind', 'final'] as const,
      registers: [registry],
    }),
    mailOutboxPending: new Gauge({
      name: 'portcullis_mail_outbox_pending',
      help: 'Messages in the mail outbox not yet delivered nor given up (shared by every instance).',
      registers: [registry],
      async collect() {
        await readBacklog((backlog) => backlog.pending, this);
      },
    }),
    mailOutboxAge: new Gauge({
      name: 'portcullis_mail_outbox_oldest_pending_seconds',
      help: 'Age in seconds of the oldest message waiting in the mail outbox; 0 when none waits.',
      registers: [registry],
      async collect() {
        await readBacklog((backlog) => backlog.oldestPendingSeconds, this);
      },
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
