import { z } from 'zod';

const envSchema = z.object({
  API_URL: z.url().default('http://127.0.0.1:4000'),
  PORTAL_PORT: z.coerce.number().int().min(1).max(65_535).default(3001),
  NEXTAUTH_URL: z.url().optional(),
  NEXTAUTH_SECRET: z.string().min(32, 'must be at least 32 characters (scripts/start.mjs generates one into DATA_DIR)'),
  /** The OpenID Provider (the user-service's ISSUER) and the portal's registration there: the portal signs in only this way. */
  OIDC_ISSUER: z.url(),
  OIDC_CLIENT_ID: z.string().min(1),
  OIDC_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters (scripts/start.mjs generates one into DATA_DIR)'),
  /** Match the user-service's REFRESH_IDLE_TTL. */
  SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).default(7 * 24 * 3600),
  DEBUG: z.string().optional(),
});

export interface Env {
  apiUrl: string;
  appUrl: string;
  secret: string;
  oidc: { issuer: string; clientId: string; clientSecret: string };
  sessionIdleSeconds: number;
  debug: string | undefined;
}

/** Parses the environment once; a bad value stops the app with the variable's name. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid environment variable ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const env = parsed.data;
  return Object.freeze({
    apiUrl: env.API_URL,
    appUrl: env.NEXTAUTH_URL ?? `http://localhost:${env.PORTAL_PORT}`,
    secret: env.NEXTAUTH_SECRET,
    oidc: { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET },
    sessionIdleSeconds: env.SESSION_IDLE_SECONDS,
    debug: env.DEBUG,
  });
}
