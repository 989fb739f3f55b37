import { isIP } from 'node:net';
import { z } from 'zod';
import { oidcClientsSchema, type OidcClientConfig } from './oidc/client-config.js';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const commaList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0));

const origin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    // An origin is scheme://host[:port] and nothing else; "null" and wildcards are never allowed (OWASP ASVS 5.0 §3.4).
    // URL() accepts `*` in a host name, so `https://*.example.com` would pass as an "exact" origin that no browser sends.
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value && !url.hostname.includes('*');
  } catch {
    return false;
  }
}, 'must be exact origins like https://app.example.com (no path, no wildcard, no "null")');

function isLocalHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    // z.url() alone takes any scheme ("localhost:4000" parses as scheme "localhost:"); an issuer is an http(s) URL.
    ISSUER: z.url({ protocol: /^https?$/ }).default('http://localhost:4000'),
    AUDIENCE: z.string().min(1).default('portcullis'),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
    CORS_ORIGINS: commaList.pipe(z.array(origin)).default(['http://localhost:3000']),
    // RFC 9068 / OWASP ASVS 5.0 §7.2: self-contained access tokens must be short-lived; we refuse more than 30 minutes.
    ACCESS_TOKEN_TTL: z.coerce.number().int().positive().max(1800, 'must be at most 1800 seconds').default(900),
    REFRESH_IDLE_TTL: seconds(7 * 24 * 3600),
    REFRESH_ABSOLUTE_TTL: seconds(30 * 24 * 3600),
    REFRESH_REUSE_GRACE: z.coerce.number().int().min(0).max(300).default(30),
    SIGNING_ALG: z.enum(['EdDSA', 'ES256']).default('EdDSA'),
    SIGNING_KEY: z.string().optional(),
    TRUST_PROXY: commaList
      .pipe(z.array(z.string().refine((entry) => isIP(entry.split('/')[0] ?? '') !== 0, 'must be IP addresses or CIDR ranges')))
      .optional(),
    // The credentials of the app instances that may tell the service a browser's address (and report denials): several
    // so one can be rotated; long random strings, compared in constant time over their SHA-256 digests.
    APP_CREDENTIALS: commaList.pipe(z.array(z.string().min(32, 'each credential must be at least 32 characters')).min(1)).optional(),
    // Reports of refused access an app may send per session and minute; the rest are dropped (OWASP ASVS 5.0 §2.4.1).
    DENIAL_REPORTS_PER_MINUTE: z.coerce.number().int().positive().max(600).default(20),
    DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
    LOGIN_MAX_FAILURES_PER_EMAIL_IP: z.coerce.number().int().positive().default(5),
    LOGIN_FAILURE_WINDOW: seconds(15 * 60),
    LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().positive().default(300),
    // OWASP ASVS 4.0.3 §2.2.1: no more than 100 failed attempts per hour on one account.
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().max(100).default(100),
    REFRESH_MAX_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(1200),
    PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().positive().max(16).default(1),
    PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).default(64),
    // How long a "busy" refusal is held before it is answered, so a flooding client cannot turn cheap refusals into a
    // CPU storm that starves the hashing threads (OWASP ASVS 5.0 §6.3.1 anti-automation); bounded, never a hang.
    PASSWORD_HASH_BUSY_HOLD: z.coerce.number().int().min(0).max(5000).default(1000),
    // Scheduling priority (Linux nice, 0–19) of the hashing threads: higher yields more CPU to token checks (docs/benchmarks.md).
    PASSWORD_HASH_NICE: z.coerce.number().int().min(0).max(19).default(10),
    // Approvals are single-use grants for one request and last at most five minutes.
    APPROVAL_TTL: z.coerce.number().int().positive().max(300, 'must be at most 300 seconds').default(300),
    // Admin actions need a password check at most this old (RFC 9470 max_age).
    STEP_UP_MAX_AGE: z.coerce.number().int().positive().max(3600).default(600),
    ALERT_WINDOW: z.coerce.number().int().positive().default(300),
    ALERT_FAILED_LOGINS_PER_ACCOUNT: z.coerce.number().int().positive().default(10),
    ALERT_FAILED_LOGINS_PER_IP: z.coerce.number().int().positive().default(20),
    ALERT_AUTHZ_DENIALS: z.coerce.number().int().positive().default(10),
    ALERT_REFRESH_FAILURES: z.coerce.number().int().positive().default(25),
    ALERT_SCAN_INTERVAL: z.coerce.number().positive().default(10),
    // Pruning of ended sessions and expired refresh tokens (docs/benchmarks.md): how often (0 disables) and how long to keep them.
    PRUNE_INTERVAL: z.coerce.number().int().min(0).default(600),
    PRUNE_RETENTION: z.coerce.number().int().min(0).default(86_400),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    // docs/sso.md: the OpenID Provider's relying parties, its API resource indicator (RFC 8707) and its cookie keys.
    OIDC_CLIENTS: oidcClientsSchema.optional(),
    OIDC_API_RESOURCE: z.url().default('urn:portcullis:api'),
    OIDC_COOKIE_KEYS: commaList.pipe(z.array(z.string().min(32, 'each key must be at least 32 characters')).min(1)).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, context) => {
    if (env.REFRESH_ABSOLUTE_TTL < env.REFRESH_IDLE_TTL) {
      context.addIssue({ code: 'custom', path: ['REFRESH_ABSOLUTE_TTL'], message: 'must not be shorter than REFRESH_IDLE_TTL' });
    }
    const issuer = new URL(env.ISSUER);
    const local = isLocalHost(issuer.hostname);
    // Signed SSO cookies must verify on every instance and across restarts: real deployments share their keys.
    if (!local && env.OIDC_CLIENTS !== undefined && env.OIDC_CLIENTS.length > 0 && env.OIDC_COOKIE_KEYS === undefined) {
      context.addIssue({ code: 'custom', path: ['OIDC_COOKIE_KEYS'], message: 'is required for an issuer other than localhost (comma list of random secrets, shared by all instances)' });
    }
    if (env.NODE_ENV !== 'production') return;
    // RFC 9700 §2.6 / ASVS 5.0 §12.1: tokens must only travel over TLS outside a developer's own machine.
    if (issuer.protocol !== 'https:' && !local) {
      context.addIssue({ code: 'custom', path: ['ISSUER'], message: 'must be https in production (http only for localhost)' });
    }
    if (env.DEMO_PASSWORD !== undefined) {
      context.addIssue({ code: 'custom', path: ['DEMO_PASSWORD'], message: 'demo users are not allowed in production' });
    }
    if (env.DATABASE_URL === undefined && env.DATA_DIR.startsWith('memory://') && env.SIGNING_KEY === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['SIGNING_KEY'],
        message: 'production needs a persistent signing key: set DATABASE_URL, a DATA_DIR on disk, or SIGNING_KEY',
      });
    }
  });

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly issuer: string;
  readonly audience: string;
  readonly database: { readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'pglite'; readonly dataDir: string };
  readonly redisUrl: string | undefined;
  readonly corsOrigins: readonly string[];
  readonly accessTokenTtlSeconds: number;
  readonly refreshIdleTtlSeconds: number;
  readonly refreshAbsoluteTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  readonly signingAlg: 'EdDSA' | 'ES256';
  readonly signingKey: string | undefined;
  readonly trustProxy: readonly string[] | undefined;
  /** The app instances' credentials (APP_CREDENTIALS); empty when no app may vouch for a browser's address. */
  readonly appCredentials: readonly string[];
  readonly denialReportsPerMinute: number;
  readonly demoPassword: string | undefined;
  readonly throttle: {
    readonly maxFailuresPerEmailIp: number;
    readonly failureWindowSeconds: number;
    readonly maxAttemptsPerIp: number;
    readonly maxFailuresPerAccountPerHour: number;
    readonly maxRefreshesPerIpPerMinute: number;
  };
  readonly passwordHashing: { readonly concurrency: number; readonly queue: number; readonly nice: number; readonly busyHoldMs: number };
  readonly approvalTtlSeconds: number;
  readonly stepUpMaxAgeSeconds: number;
  readonly alerts: {
    readonly windowSeconds: number;
    readonly failedLoginsPerAccount: number;
    readonly failedLoginsPerIp: number;
    readonly authorizationDenials: number;
    readonly refreshFailures: number;
    readonly scanIntervalSeconds: number;
  };
  readonly prune: { readonly intervalSeconds: number; readonly retentionSeconds: number };
  readonly metricsToken: string | undefined;
  readonly logLevel: string;
  readonly oidc: {
    readonly clients: readonly OidcClientConfig[];
    readonly apiResource: string;
    /** Keys for the provider's signed cookies, newest first; generated per process when unset (localhost only). */
    readonly cookieKeys: readonly string[] | undefined;
    /** The issuer is on this machine: http is allowed and Secure cookies are set over it (browsers accept that). */
    readonly localIssuer: boolean;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; a bad value stops start-up with a message naming the variable. */
export function loadConfig(source: Readonly<Record<string, string | undefined>>): Config {
  const defined = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(defined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  return Object.freeze({
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    issuer: env.ISSUER,
    audience: env.AUDIENCE,
    database:
      env.DATABASE_URL !== undefined
        ? { kind: 'postgres' as const, url: env.DATABASE_URL }
        : { kind: 'pglite' as const, dataDir: env.DATA_DIR },
    redisUrl: env.REDIS_URL,
    corsOrigins: Object.freeze([...env.CORS_ORIGINS]),
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL,
    refreshIdleTtlSeconds: env.REFRESH_IDLE_TTL,
    refreshAbsoluteTtlSeconds: env.REFRESH_ABSOLUTE_TTL,
    refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE,
    signingAlg: env.SIGNING_ALG,
    signingKey: env.SIGNING_KEY,
    trustProxy: env.TRUST_PROXY,
    appCredentials: Object.freeze([...(env.APP_CREDENTIALS ?? [])]),
    denialReportsPerMinute: env.DENIAL_REPORTS_PER_MINUTE,
    demoPassword: env.DEMO_PASSWORD,
    throttle: Object.freeze({
      maxFailuresPerEmailIp: env.LOGIN_MAX_FAILURES_PER_EMAIL_IP,
      failureWindowSeconds: env.LOGIN_FAILURE_WINDOW,
      maxAttemptsPerIp: env.LOGIN_MAX_ATTEMPTS_PER_IP,
      maxFailuresPerAccountPerHour: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxRefreshesPerIpPerMinute: env.REFRESH_MAX_PER_IP_PER_MINUTE,
    }),
    passwordHashing: Object.freeze({
      concurrency: env.PASSWORD_HASH_CONCURRENCY,
      queue: env.PASSWORD_HASH_QUEUE,
      nice: env.PASSWORD_HASH_NICE,
      busyHoldMs: env.PASSWORD_HASH_BUSY_HOLD,
    }),
    approvalTtlSeconds: env.APPROVAL_TTL,
    stepUpMaxAgeSeconds: env.STEP_UP_MAX_AGE,
    alerts: Object.freeze({
      windowSeconds: env.ALERT_WINDOW,
      failedLoginsPerAccount: env.ALERT_FAILED_LOGINS_PER_ACCOUNT,
      failedLoginsPerIp: env.ALERT_FAILED_LOGINS_PER_IP,
      authorizationDenials: env.ALERT_AUTHZ_DENIALS,
      refreshFailures: env.ALERT_REFRESH_FAILURES,
      scanIntervalSeconds: env.ALERT_SCAN_INTERVAL,
    }),
    prune: Object.freeze({ intervalSeconds: env.PRUNE_INTERVAL, retentionSeconds: env.PRUNE_RETENTION }),
    metricsToken: env.METRICS_TOKEN,
    logLevel: env.LOG_LEVEL,
    oidc: Object.freeze({
      clients: Object.freeze(env.OIDC_CLIENTS ?? []),
      apiResource: env.OIDC_API_RESOURCE,
      cookieKeys: env.OIDC_COOKIE_KEYS,
      localIssuer: isLocalHost(new URL(env.ISSUER).hostname),
    }),
  });
}
