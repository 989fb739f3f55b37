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
});

export interface Env {
  apiUrl: string;
  appUrl: string;
  secret: string;
  sessionIdleSeconds: number;
  debug: string | undefined;
  metricsToken: string | undefined;
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
    appUrl: env.NEXTAUTH_URL ?? `http://localhost:${env.WEB_PORT}`,
    secret: env.NEXTAUTH_SECRET,
    sessionIdleSeconds: env.SESSION_IDLE_SECONDS,
    debug: env.DEBUG,
    metricsToken: env.WEB_METRICS_TOKEN,
  });
}
