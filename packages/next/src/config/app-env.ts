import { z } from 'zod';

/** The variables every Portcullis app reads, beside its own port and whatever else it needs. */
export const appEnvFields = {
  API_URL: z.url().default('http://127.0.0.1:4000'),
  NEXTAUTH_URL: z.url().optional(),
  NEXTAUTH_SECRET: z.string().min(32, 'must be at least 32 characters (scripts/start.mjs generates one into DATA_DIR)'),
  /** Match the user-service's REFRESH_IDLE_TTL. */
  SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).default(7 * 24 * 3600),
  DEBUG: z.string().optional(),
};

/** The app's port variable (WEB_PORT, PORTAL_PORT); its URL defaults to localhost on it. */
export function portField(defaultPort: number) {
  return z.coerce.number().int().min(1).max(65_535).default(defaultPort);
}

/** What every app takes from `appEnvFields` and its port: the options `appAuthOptions` hands to `createAuth`. */
export interface AppEnv {
  apiUrl: string;
  appUrl: string;
  secret: string;
  sessionIdleSeconds: number;
  debug: string | undefined;
}

/** The error that stops an app at start-up, naming the variable. */
export function invalidEnvironment(name: string, message: string): Error {
  return new Error(`Invalid environment variable ${name}: ${message}`);
}

/** Parses the environment once against an app's schema; a bad value stops the app with the variable's name. */
export function parseEnvironment<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.output<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidEnvironment(issue?.path.join('.') ?? '?', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/** The shared part of an app's parsed environment, from the `appEnvFields` it parsed and its port. */
export function appEnv(env: z.output<z.ZodObject<typeof appEnvFields>>, port: number): AppEnv {
  return {
    apiUrl: env.API_URL,
    appUrl: env.NEXTAUTH_URL ?? `http://localhost:${port}`,
    secret: env.NEXTAUTH_SECRET,
    sessionIdleSeconds: env.SESSION_IDLE_SECONDS,
    debug: env.DEBUG,
  };
}
