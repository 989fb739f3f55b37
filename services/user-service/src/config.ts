import { isIP } from 'node:net';
import { z } from 'zod';
import type { Role } from '@portcullis/contracts';
import { oidcClientsSchema, type OidcClientConfig } from './oidc/client-config.js';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

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
    NODE_ENV: z
      .enum(['development', 'production', 'test'])
      .default('development')
      .describe('development, production or test; production refuses demo users, an http issuer off localhost and an in-memory database without SIGNING_KEY'),
    HOST: z.string().min(1).default('127.0.0.1').describe('Interface to listen on (0.0.0.0 for every interface, as in a container)'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000).describe('TCP port to listen on (0 picks a free port)'),
    // z.url() alone takes any scheme ("localhost:4000" parses as scheme "localhost:"); an issuer is an http(s) URL.
    ISSUER: z
      .url({ protocol: /^https?$/ })
      .default('http://localhost:4000')
      .describe("Public http(s) URL of this service: the iss of its tokens and the OpenID Provider's issuer"),
    AUDIENCE: z.string().min(1).default('portcullis').describe('aud of the access tokens it issues'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional()
      .describe('PostgreSQL URL (postgres://...); unset: the embedded PGlite database in DATA_DIR'),
    DATA_DIR: z.string().min(1).default('.data').describe('Directory of the embedded PGlite database when DATABASE_URL is unset (memory:// for a throwaway one)'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional()
      .describe('Redis URL (redis:// or rediss://) for throttling counters shared by every instance; unset: each instance counts alone'),
    CORS_ORIGINS: commaList.pipe(z.array(origin)).prefault('http://localhost:3000').describe('Comma list of the exact browser origins that may call the API'),
    // RFC 9068 / OWASP ASVS 5.0 §7.2: self-contained access tokens must be short-lived; we refuse more than 30 minutes.
    ACCESS_TOKEN_TTL: z.coerce
      .number()
      .int()
      .positive()
      .max(1800, 'must be at most 1800 seconds')
      .default(900)
      .describe('Access token lifetime in seconds (at most 1800)'),
    REFRESH_IDLE_TTL: seconds(7 * 24 * 3600).describe('Seconds a session may sit unused before its refresh token stops working'),
    REFRESH_ABSOLUTE_TTL: seconds(30 * 24 * 3600).describe('Seconds after sign-in a session ends however much it is used (not shorter than REFRESH_IDLE_TTL)'),
    REFRESH_REUSE_GRACE: z.coerce
      .number()
      .int()
      .min(0)
      .max(300)
      .default(30)
      .describe("Seconds a refresh token's immediate predecessor is still answered, for a response lost on the way (at most 300)"),
    SIGNING_ALG: z.enum(['EdDSA', 'ES256']).default('EdDSA').describe('Signature algorithm of the tokens: EdDSA or ES256'),
    SIGNING_KEY: z.string().optional().describe('A private EdDSA or ES256 JWK (JSON, with kid and alg) to sign with; unset: keys are generated and kept in the database'),
    TRUST_PROXY: commaList
      .pipe(z.array(z.string().refine((entry) => isIP(entry.split('/')[0] ?? '') !== 0, 'must be IP addresses or CIDR ranges')))
      .optional()
      .describe('Comma list of proxy addresses or CIDR ranges whose X-Forwarded-For is believed; unset: none'),
    // The credentials of the app instances that may tell the service a browser's address (and report denials): several
    // so one can be rotated; long random strings, compared in constant time over their SHA-256 digests.
    APP_CREDENTIALS: commaList
      .pipe(z.array(z.string().min(32, 'each credential must be at least 32 characters')).min(1))
      .optional()
      .describe("Comma list of app credentials (at least 32 characters each): an app presenting one may name a browser's address and report denials"),
    // Reports of refused access an app may send per session and minute; the rest are dropped (OWASP ASVS 5.0 §2.4.1).
    DENIAL_REPORTS_PER_MINUTE: z.coerce
      .number()
      .int()
      .positive()
      .max(600)
      .default(20)
      .describe('Refused-access reports an app may send per session and minute (at most 600)'),
    DEMO_PASSWORD: z
      .string()
      .min(8, 'must be at least 8 characters')
      .optional()
      .describe('Creates the demo users alice, maria and adam @example.com with this password (refused in production)'),
    LOGIN_MAX_FAILURES_PER_EMAIL_IP: z.coerce
      .number()
      .int()
      .positive()
      .default(5)
      .describe('Failed sign-ins for one email from one address within LOGIN_FAILURE_WINDOW before it is throttled'),
    LOGIN_FAILURE_WINDOW: seconds(15 * 60).describe('Seconds the sign-in failure counters look back'),
    LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().positive().default(300).describe('Sign-in attempts one address may make within LOGIN_FAILURE_WINDOW'),
    // OWASP ASVS 4.0.3 §2.2.1: no more than 100 failed attempts per hour on one account.
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().max(100).default(100).describe('Failed sign-ins per account and hour (at most 100)'),
    REFRESH_MAX_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(1200).describe('Token refreshes one address may make per minute'),
    PASSWORD_HASH_CONCURRENCY: z.coerce
      .number()
      .int()
      .positive()
      .max(16)
      .default(1)
      .describe('Password hashes computed at once, each on a thread of its own (at most 16)'),
    PASSWORD_HASH_QUEUE: z.coerce
      .number()
      .int()
      .min(0)
      .default(64)
      .describe('Password checks that may wait for a hashing thread before sign-ins are answered busy (503)'),
    // How long a "busy" refusal is held before it is answered, so a flooding client cannot turn cheap refusals into a
    // CPU storm that starves the hashing threads (OWASP ASVS 5.0 §6.3.1 anti-automation); bounded, never a hang.
    PASSWORD_HASH_BUSY_HOLD: z.coerce.number().int().min(0).max(5000).default(1000).describe('Milliseconds a busy refusal is held before it is answered (at most 5000)'),
    // Scheduling priority (Linux nice, 0–19) of the hashing threads: higher yields more CPU to token checks (docs/benchmarks.md).
    PASSWORD_HASH_NICE: z.coerce.number().int().min(0).max(19).default(10).describe('Linux nice value (0-19) of the hashing threads'),
    // Approvals are single-use grants for one request and last at most five minutes.
    APPROVAL_TTL: z.coerce.number().int().positive().max(300, 'must be at most 300 seconds').default(300).describe('Seconds an approval stays valid (at most 300)'),
    // Admin actions need a password check at most this old (RFC 9470 max_age).
    STEP_UP_MAX_AGE: z.coerce.number().int().positive().max(3600).default(600).describe('Seconds a password check counts for admin actions (at most 3600)'),
    ALERT_WINDOW: z.coerce.number().int().positive().default(300).describe('Seconds the security alerts look back'),
    ALERT_FAILED_LOGINS_PER_ACCOUNT: z.coerce.number().int().positive().default(10).describe('Failed sign-ins on one account within ALERT_WINDOW that raise an alert'),
    ALERT_FAILED_LOGINS_PER_IP: z.coerce.number().int().positive().default(20).describe('Failed sign-ins from one address within ALERT_WINDOW that raise an alert'),
    ALERT_AUTHZ_DENIALS: z.coerce.number().int().positive().default(10).describe('Refused accesses by one user within ALERT_WINDOW that raise an alert'),
    ALERT_REFRESH_FAILURES: z.coerce.number().int().positive().default(25).describe('Failed token refreshes within ALERT_WINDOW that raise an alert'),
    ALERT_SCAN_INTERVAL: z.coerce.number().positive().default(10).describe('Seconds between alert scans'),
    // Pruning of ended sessions and expired refresh tokens (docs/benchmarks.md): how often (0 disables) and how long to keep them.
    PRUNE_INTERVAL: z.coerce.number().int().min(0).default(600).describe('Seconds between prunes of ended sessions and expired refresh tokens (0: never)'),
    PRUNE_RETENTION: z.coerce.number().int().min(0).default(86_400).describe('Seconds ended sessions and expired refresh tokens are kept before they are pruned'),
    METRICS_TOKEN: z
      .string()
      .min(16, 'must be at least 16 characters')
      .optional()
      .describe('Bearer token (at least 16 characters) for GET /metrics; unset: loopback callers only, and nobody behind TRUST_PROXY'),
    // docs/sso.md: the OpenID Provider's relying parties, its API resource indicator (RFC 8707) and its cookie keys.
    OIDC_CLIENTS: oidcClientsSchema.optional().describe("JSON array of the OpenID Provider's clients (docs/sso.md); unset: no clients"),
    OIDC_API_RESOURCE: z.url().default('urn:portcullis:api').describe("Resource indicator (RFC 8707) of this API in the provider's access tokens"),
    OIDC_COOKIE_KEYS: commaList
      .pipe(z.array(z.string().min(32, 'each key must be at least 32 characters')).min(1))
      .optional()
      .describe("Comma list of keys (at least 32 characters) signing the provider's cookies, newest first; required off localhost with OIDC_CLIENTS"),
    // Account lifecycle by mail (docs/accounts.md): where links point, who may sign up, how long each link lives.
    PUBLIC_APP_URL: z
      .url({ protocol: /^https?$/ })
      .default('http://localhost:3000')
      .describe('Public http(s) URL of the web app: the only base of the links in mail (never a request Host header)'),
    APP_NAME: z.string().min(1).max(64).default('Portcullis').describe('Name of the app in mail and pages; passwords containing it are refused'),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional()
      .describe('Mail server (smtp://user:pass@host:587 with STARTTLS required off localhost, or smtps://); unset: a local development mailbox'),
    MAIL_FROM: z.string().min(3).default('Portcullis <no-reply@localhost>').describe('From address of the mail the service sends'),
    SIGNUP: z
      .enum(['invite', 'open', 'closed'])
      .default('invite')
      .describe('Who may create an account: invite (admins invite), open (anyone, after verifying the email) or closed'),
    // OWASP ASVS 5.0 §6.4.1: a reset link is short-lived; any value from 1 s up so tests can use short ones.
    PASSWORD_RESET_TTL: z.coerce
      .number()
      .int()
      .positive()
      .max(1800, 'must be at most 1800 seconds')
      .default(1800)
      .describe('Seconds a password reset link stays valid (at most 1800)'),
    EMAIL_VERIFY_TTL: seconds(86_400).describe('Seconds an email verification or email change link stays valid'),
    INVITATION_TTL: seconds(7 * 86_400).describe('Seconds an invitation link stays valid'),
    BREACHED_PASSWORD_API: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Base URL of a Have-I-Been-Pwned-compatible range API (k-anonymity) to refuse breached passwords; unset: not asked'),
    BREACHED_PASSWORD_TIMEOUT: z.coerce
      .number()
      .int()
      .positive()
      .max(10_000)
      .default(1500)
      .describe('Milliseconds the breached-password check may take; past it the password is judged without it'),
    ACCOUNT_FLOW_MAX_PER_IP: z.coerce
      .number()
      .int()
      .positive()
      .default(30)
      .describe('Requests of one account flow (forgot password, sign-up, reset, verification, ...) one address may make within ACCOUNT_FLOW_WINDOW'),
    ACCOUNT_FLOW_WINDOW: seconds(15 * 60).describe('Seconds the per-address account flow counters look back'),
    ACCOUNT_MAIL_MAX_PER_EMAIL: z.coerce.number().int().positive().default(5).describe('Mails of one account flow sent to one address per hour; more are dropped'),
    SECURITY_NOTIFICATIONS: commaList
      .pipe(z.array(z.enum(['new_device', 'throttled', 'password_changed', 'email_changed', 'none'])))
      .prefault('new_device,throttled,password_changed,email_changed')
      .describe('Comma list of the security notices mailed to users: new_device, throttled, password_changed, email_changed, or none'),
    // Multi-factor authentication (docs/mfa.md). OWASP ASVS 5.0 §6.3.3: privileged roles need a second factor.
    MFA_REQUIRED_ROLES: commaList
      .pipe(z.array(z.enum(['USER', 'MANAGER', 'ADMIN', 'none'])))
      .prefault('ADMIN,MANAGER')
      .describe('Comma list of the roles that must enrol a second factor before any session (USER, MANAGER, ADMIN), or none (also: empty)'),
    MFA_ENCRYPTION_KEY: commaList
      .pipe(z.array(z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'each key must be 32 random bytes in base64url (43 characters)')).min(1))
      .optional()
      .describe(
        'Comma list of 32-byte base64url keys sealing TOTP secrets, newest first (older ones still open); unset: one generated into DATA_DIR (refused in production)',
      ),
    // The pending sign-in between the password and the second factor, and a WebAuthn challenge, live at most 5 minutes.
    MFA_TOKEN_TTL: z.coerce
      .number()
      .int()
      .positive()
      .max(300, 'must be at most 300 seconds')
      .default(300)
      .describe('Seconds a pending sign-in (mfaToken) and a WebAuthn challenge stay valid (at most 300)'),
    MFA_MAX_FAILURES_PER_ACCOUNT: z.coerce
      .number()
      .int()
      .positive()
      .max(20)
      .default(5)
      .describe('Wrong second-factor codes per account within LOGIN_FAILURE_WINDOW before it is throttled (at most 20)'),
    ALERT_MFA_FAILURES_PER_ACCOUNT: z.coerce
      .number()
      .int()
      .positive()
      .default(5)
      .describe('Failed second factors on one account within ALERT_WINDOW that raise an alert'),
    WEBAUTHN_RP_ID: z
      .string()
      .regex(/^[a-z0-9.-]+$/, 'must be a host name such as example.com (no scheme, no port)')
      .default('localhost')
      .describe('WebAuthn relying party ID: the registrable domain the passkeys belong to'),
    WEBAUTHN_ORIGINS: commaList
      .pipe(z.array(origin).min(1))
      .optional()
      .describe('Comma list of the exact origins whose WebAuthn ceremonies are accepted; unset: CORS_ORIGINS, PUBLIC_APP_URL and ISSUER'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Log level: fatal, error, warn, info, debug, trace or silent'),
  })
  .superRefine((env, context) => {
    if (env.REFRESH_ABSOLUTE_TTL < env.REFRESH_IDLE_TTL) {
      context.addIssue({ code: 'custom', path: ['REFRESH_ABSOLUTE_TTL'], message: 'must not be shorter than REFRESH_IDLE_TTL' });
    }
    const issuer = new URL(env.ISSUER);
    const local = isLocalHost(issuer.hostname);
    // Signed SSO cookies must verify on every instance and across restarts: real deployments share their keys.
    if (!local && env.OIDC_CLIENTS !== undefined && env.OIDC_CLIENTS.length > 0 && env.OIDC_COOKIE_KEYS === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['OIDC_COOKIE_KEYS'],
        message: 'is required for an issuer other than localhost (comma list of random secrets, shared by all instances)',
      });
    }
    for (const [index, webOrigin] of (env.WEBAUTHN_ORIGINS ?? []).entries()) {
      const host = new URL(webOrigin).hostname;
      // WebAuthn L3 §5.1.3: an origin's host must be the RP ID or a subdomain of it.
      if (host !== env.WEBAUTHN_RP_ID && !host.endsWith(`.${env.WEBAUTHN_RP_ID}`)) {
        context.addIssue({ code: 'custom', path: ['WEBAUTHN_ORIGINS', index], message: `${webOrigin} is not on WEBAUTHN_RP_ID ${env.WEBAUTHN_RP_ID}` });
      }
    }
    if (env.NODE_ENV !== 'production') return;
    if (env.MFA_ENCRYPTION_KEY === undefined) {
      context.addIssue({ code: 'custom', path: ['MFA_ENCRYPTION_KEY'], message: 'is required in production (the key sealing TOTP secrets, shared by all instances)' });
    }
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

/** One environment variable of the configuration, as `portcullis-user-service --help` lists it. */
export interface ConfigVariable {
  readonly name: string;
  readonly description: string;
  /** The value taken when the variable is unset, written as it would be in the environment; undefined when none. */
  readonly defaultValue: string | undefined;
}

/** Every variable with its default and description, read from the schema above so the help cannot drift from it. */
export function configVariables(): ConfigVariable[] {
  // The input side is what an operator writes: comma lists and JSON as strings, numbers before coercion.
  const { properties = {} } = z.toJSONSchema(environmentSchema, { io: 'input', unrepresentable: 'any' });
  return Object.entries(properties).map(([name, property]) => {
    const described = typeof property === 'object' ? property : {};
    return { name, description: described.description ?? '', defaultValue: environmentText(described.default) };
  });
}

function environmentText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

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
  readonly accountThrottle: { readonly maxPerIp: number; readonly windowSeconds: number; readonly maxMailsPerEmail: number };
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
  readonly mail: {
    /** The mail server; undefined when none is configured (development: the local mailbox takes its place). */
    readonly smtpUrl: string | undefined;
    readonly from: string;
    /** The web app's public URL, the only base of links in mail. */
    readonly publicAppUrl: string;
    readonly appName: string;
  };
  readonly accounts: {
    readonly signup: 'invite' | 'open' | 'closed';
    readonly passwordResetTtlSeconds: number;
    readonly emailVerifyTtlSeconds: number;
    readonly invitationTtlSeconds: number;
    readonly breachedPasswordApi: string | undefined;
    readonly breachedPasswordTimeoutMs: number;
    readonly notifications: ReadonlySet<SecurityNotification>;
  };
  readonly mfa: {
    /** Roles that must have a second factor before any session (MFA_REQUIRED_ROLES). */
    readonly requiredRoles: ReadonlySet<Role>;
    /** Keys sealing TOTP secrets, newest first; undefined when the demo generates one into DATA_DIR. */
    readonly encryptionKeys: readonly string[] | undefined;
    /** Lifetime of a pending sign-in (mfaToken) and of a WebAuthn challenge. */
    readonly tokenTtlSeconds: number;
    readonly maxFailuresPerAccount: number;
    readonly alertFailuresPerAccount: number;
  };
  readonly webauthn: {
    readonly rpId: string;
    readonly rpName: string;
    /** The exact origins a ceremony may come from; never read from a request header. */
    readonly origins: readonly string[];
  };
  readonly oidc: {
    readonly clients: readonly OidcClientConfig[];
    readonly apiResource: string;
    /** Keys for the provider's signed cookies, newest first; generated per process when unset (localhost only). */
    readonly cookieKeys: readonly string[] | undefined;
    /** The issuer is on this machine: http is allowed and Secure cookies are set over it (browsers accept that). */
    readonly localIssuer: boolean;
  };
}

/** A security notice the operator may switch off (never the user: an attacker holding the account would). */
export type SecurityNotification = 'new_device' | 'throttled' | 'password_changed' | 'email_changed';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; a bad value stops start-up with a message naming the variable. */
export function loadConfig(source: Readonly<Record<string, string | undefined>>): Config {
  const defined = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  // An empty MFA_REQUIRED_ROLES means "no role", not "the default".
  if (source.MFA_REQUIRED_ROLES?.trim() === '') defined.MFA_REQUIRED_ROLES = 'none';
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
    database: env.DATABASE_URL !== undefined ? { kind: 'postgres' as const, url: env.DATABASE_URL } : { kind: 'pglite' as const, dataDir: env.DATA_DIR },
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
    accountThrottle: Object.freeze({ maxPerIp: env.ACCOUNT_FLOW_MAX_PER_IP, windowSeconds: env.ACCOUNT_FLOW_WINDOW, maxMailsPerEmail: env.ACCOUNT_MAIL_MAX_PER_EMAIL }),
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
    mail: Object.freeze({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, publicAppUrl: env.PUBLIC_APP_URL.replace(/\/+$/, ''), appName: env.APP_NAME }),
    accounts: Object.freeze({
      signup: env.SIGNUP,
      passwordResetTtlSeconds: env.PASSWORD_RESET_TTL,
      emailVerifyTtlSeconds: env.EMAIL_VERIFY_TTL,
      invitationTtlSeconds: env.INVITATION_TTL,
      breachedPasswordApi: env.BREACHED_PASSWORD_API,
      breachedPasswordTimeoutMs: env.BREACHED_PASSWORD_TIMEOUT,
      notifications: new Set(env.SECURITY_NOTIFICATIONS.filter((notice): notice is SecurityNotification => notice !== 'none')),
    }),
    mfa: Object.freeze({
      requiredRoles: new Set(env.MFA_REQUIRED_ROLES.filter((role): role is Role => role !== 'none')),
      encryptionKeys: env.MFA_ENCRYPTION_KEY,
      tokenTtlSeconds: env.MFA_TOKEN_TTL,
      maxFailuresPerAccount: env.MFA_MAX_FAILURES_PER_ACCOUNT,
      alertFailuresPerAccount: env.ALERT_MFA_FAILURES_PER_ACCOUNT,
    }),
    webauthn: Object.freeze({
      rpId: env.WEBAUTHN_RP_ID,
      rpName: env.APP_NAME,
      origins: Object.freeze(env.WEBAUTHN_ORIGINS ?? [...new Set([...env.CORS_ORIGINS, new URL(env.PUBLIC_APP_URL).origin, new URL(env.ISSUER).origin])]),
    }),
    oidc: Object.freeze({
      clients: Object.freeze(env.OIDC_CLIENTS ?? []),
      apiResource: env.OIDC_API_RESOURCE,
      cookieKeys: env.OIDC_COOKIE_KEYS,
      localIssuer: isLocalHost(new URL(env.ISSUER).hostname),
    }),
  });
}
