import { z } from 'zod';

const envSchema = z.object({
  API_URL: z.url().default('http://127.0.0.1:4000'),
  WEB_PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  NEXTAUTH_URL: z.url().optional(),
  NEXTAUTH_SECRET: z.string().min(32, 'must be at least 32 characters (scripts/start.mjs generates one into DATA_DIR)'),
  /** Match the user-service's REFRESH_IDLE_TTL. */
  SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).default(7 * 24 * 3600),
  DEBUG: z.string().optional(),
  /** Bearer token Prometheus presents to /api/metrics; unset, the endpoint answers 404. */
  WEB_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Single sign-on at the user-service's OpenID Provider: all three or none. */
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Comma list of `credentials` and `oidc`; default both when OIDC_* are set, else credentials. */
  AUTH_MODES: z.string().optional(),
});

const modesSchema = z.array(z.enum(['credentials', 'oidc'])).min(1, 'names no sign-in method');

export interface Env {
  apiUrl: string;
  appUrl: string;
  secret: string;
  sessionIdleSeconds: number;
  debug: string | undefined;
  metricsToken: string | undefined;
  /** How people may sign in: the password form, single sign-on, or both. */
  mode: 'credentials' | 'oidc' | 'both';
  oidc: { issuer: string; clientId: string; clientSecret: string } | undefined;
}

function fail(name: string, message: string): never {
  throw new Error(`Invalid environment variable ${name}: ${message}`);
}

/** Parses the environment once; a bad value stops the app with the variable's name. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid environment variable ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const env = parsed.data;
  const oidcSet = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET].filter((value) => value !== undefined).length;
  if (oidcSet !== 0 && oidcSet !== 3) fail('OIDC_ISSUER', 'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together');
  const oidc = env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET
    ? { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET }
    : undefined;
  const modes = modesSchema.safeParse(
    (env.AUTH_MODES ?? (oidc ? 'credentials,oidc' : 'credentials')).split(',').map((mode) => mode.trim()).filter((mode) => mode !== ''),
  );
  if (!modes.success) fail('AUTH_MODES', modes.error.issues[0]?.message ?? 'must list credentials and/or oidc');
  if (modes.data.includes('oidc') && !oidc) fail('AUTH_MODES', 'oidc needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET');
  const mode = modes.data.includes('oidc') ? (modes.data.includes('credentials') ? 'both' : 'oidc') : 'credentials';
  return Object.freeze({
    apiUrl: env.API_URL,
    appUrl: env.NEXTAUTH_URL ?? `http://localhost:${env.WEB_PORT}`,
    secret: env.NEXTAUTH_SECRET,
    sessionIdleSeconds: env.SESSION_IDLE_SECONDS,
    debug: env.DEBUG,
    metricsToken: env.WEB_METRICS_TOKEN,
    mode,
    oidc,
  });
}
