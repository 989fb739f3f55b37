import { SCOPES, scopeListSchema } from '@portcullis/contracts';
import { z } from 'zod';
import { clientInfoReader, type ClientInfoReader } from './backend/client-info.js';
import { InvalidOptionError } from './errors.js';
import { trustedProxies, trustedProxyProblem } from './http/trusted-proxies.js';
import { createJsonLogger, type Logger } from './logging/logger.js';
import { requestScopedLogger } from './logging/request-scope.js';
import { processMetrics, type AuthMetrics } from './metrics/auth-metrics.js';

const pathSchema = z.string().regex(/^\/(?!\/)[^\s\\]*$/, 'must be an absolute path like /signin');

/** The OpenID Provider (the user-service's issuer) and this app's registration there (oidc mode). */
const oidcSchema = z
  .object({
    /** Exactly the provider's `issuer`; discovery is read from `{issuer}/.well-known/openid-configuration`. */
    issuer: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    /** Confidential client: sent with client_secret_basic to the token endpoint only. */
    clientSecret: z.string().min(16, 'must be at least 16 characters'),
    /** Our API scopes to ask for on top of `openid profile email offline_access`; the provider grants the least of them. */
    scopes: scopeListSchema.default([...SCOPES]),
    /** RFC 8707 resource indicator of our API: access tokens are JWTs for it. */
    resource: z.string().min(1).default('urn:portcullis:api'),
    /** Where the provider sends the browser after single logout; must be registered there. Defaults to the sign-in page. */
    postLogoutRedirectPath: pathSchema.optional(),
    /** Lifetime of a provider session in the app's cookie when the provider does not say; match its refresh lifetime. */
    sessionAbsoluteSeconds: z
      .number()
      .int()
      .min(60)
      .max(90 * 24 * 3600)
      .default(30 * 24 * 3600),
    /** How long a back-channel logout is remembered in this process; longer than an access token lives. */
    endedSessionTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
  })
  .strict();

const optionsSchema = z
  .object({
    /**
     * How people sign in: `credentials` (password form against /v1/auth/login, the default), `oidc` (single sign-on
     * at the user-service's OpenID Provider) or `both` (the form and a single sign-on button).
     */
    mode: z.enum(['credentials', 'oidc', 'both']).default('credentials'),
    oidc: oidcSchema.optional(),
    /** Cookie names start with this: apps sharing a host (cookies ignore ports) each need their own. */
    cookiePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes')
      .default('next-auth'),
    /** Base URL of the user-service, e.g. http://127.0.0.1:4000. */
    backendUrl: z.url({ protocol: /^https?$/ }),
    /**
     * This app instance's credential at the user-service (one of its APP_CREDENTIALS): sent on every call, it makes
     * the service believe the browser address the app names. Without it the service counts the app's own address.
     */
    appCredential: z.string().min(32, 'must be at least 32 characters').optional(),
    /**
     * The reverse proxies in front of the app (addresses, CIDR ranges), read when the app is not served through
     * `@portcullis/next/server`: the browser's address is then the right-most X-Forwarded-For entry not among them.
     */
    trustProxy: z
      .array(
        z.string().superRefine((entry, context) => {
          const problem = trustedProxyProblem(entry);
          if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
        }),
      )
      .optional(),
    /** The app's own public origin (NEXTAUTH_URL). Origin checks and redirects compare against it exactly. */
    appUrl: z.url({ protocol: /^https?$/ }),
    /** NEXTAUTH_SECRET: encrypts the session cookie and keys the proxy's attestation. */
    secret: z.string().min(32, 'must be at least 32 characters'),
    /** Put the access token into the browser-visible session. Off by default: see docs/next-library.md. */
    exposeAccessToken: z.boolean().default(false),
    /** Refresh this long before the access token expires, capped at a fifth of the token's lifetime. */
    refreshLeadSeconds: z.number().int().min(1).max(600).default(60),
    /** How long a positive session check may be reused (ASVS 5.0 §7.4.1: revocation reaches the app in seconds). */
    sessionCheckMaxAgeSeconds: z.number().int().min(0).max(5).default(5),
    /** Idle lifetime of the session cookie; match the backend's REFRESH_IDLE_TTL. */
    sessionIdleSeconds: z
      .number()
      .int()
      .min(60)
      .max(90 * 24 * 3600)
      .default(7 * 24 * 3600),
    /** `__Host-`/`__Secure-` cookies with `Secure`. Chromium accepts them on http://localhost too. */
    secureCookies: z.boolean().default(true),
    signInPath: pathSchema.default('/signin'),
    forbiddenPath: pathSchema.default('/forbidden'),
    /** Paths anyone may open; everything else the proxy sends to sign-in (first layer only). */
    publicPaths: z.array(pathSchema).default(['/signin', '/forbidden']),
    /** Where the backend-for-frontend route is mounted; its tail is appended to `/v1/`. */
    bffBasePath: pathSchema.default('/api/bff'),
    /** Backend paths (after /v1/) that the backend-for-frontend route may reach. */
    bffAllowedPaths: z.array(z.string().regex(/^[a-z0-9/_-]+$/)).default(['me', 'auth/sessions']),
    backendTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    /** Extra attempts for a sign-out revocation that failed, before it goes to the background queue. */
    logoutRetryDelaysMs: z.array(z.number().int().min(0)).default([200, 1_000]),
    debug: z.boolean().default(false),
    /** Bearer token for the metrics route; without one the route answers 404 (metrics are never public by default). */
    metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Where metrics go; the process-wide instance by default (proxy and routes share it). */
    metrics: z.custom<AuthMetrics>((value) => isMetrics(value)).optional(),
    logger: z.custom<Logger>((value) => isLogger(value)).optional(),
    fetch: z.custom<typeof fetch>((value) => typeof value === 'function').optional(),
    now: z.custom<() => number>((value) => typeof value === 'function').optional(),
  })
  .strict()
  .refine((options) => options.mode === 'credentials' || options.oidc !== undefined, {
    path: ['oidc'],
    message: 'is required when mode is oidc or both',
  });

export type CreateAuthOptions = z.input<typeof optionsSchema>;

export type OidcConfig = z.output<typeof oidcSchema>;

export interface AuthConfig extends Omit<z.output<typeof optionsSchema>, 'logger' | 'fetch' | 'now' | 'appUrl' | 'backendUrl' | 'metrics'> {
  /** Origin of `appUrl`, no trailing slash. */
  readonly appOrigin: string;
  /** `backendUrl` without a trailing slash. */
  readonly backendUrl: string;
  /** Adds the request id (`reqId`) to every line written while a request is served. */
  readonly logger: Logger;
  readonly metrics: AuthMetrics;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  /** Where the browser's address and user agent are read, from nothing the browser can choose. */
  readonly clientInfo: ClientInfoReader;
}

/** Checks the options once and freezes them; a bad one stops start-up with its name. */
export function resolveOptions(options: CreateAuthOptions): AuthConfig {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidOptionError(issue?.path.join('.') || '(options)', issue?.message ?? 'invalid');
  }
  const { logger, metrics, fetch: fetchImpl, now, appUrl, backendUrl, ...rest } = parsed.data;
  const scopedLogger = requestScopedLogger(logger ?? createJsonLogger({ name: 'portcullis:next', level: rest.debug ? 'debug' : 'info' }));
  return Object.freeze({
    ...rest,
    appOrigin: new URL(appUrl).origin,
    backendUrl: backendUrl.replace(/\/+$/, ''),
    logger: scopedLogger,
    clientInfo: clientInfoReader({ trustProxy: rest.trustProxy === undefined ? undefined : trustedProxies(rest.trustProxy), logger: scopedLogger }),
    metrics: metrics ?? processMetrics(),
    fetch: fetchImpl ?? globalThis.fetch.bind(globalThis),
    now: now ?? Date.now,
  });
}

function isMetrics(value: unknown): value is AuthMetrics {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return ['authEvent', 'refreshFlight', 'backendCall', 'backendFailure', 'httpRequest'].every((name) => typeof candidate[name] === 'function');
}

function isLogger(value: unknown): value is Logger {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error'].every((level) => typeof candidate[level] === 'function');
}
