import { z } from 'zod';
import { commaListEntries, trustedProxyProblem } from '../http/trusted-proxies.js';

/** TRUST_PROXY: a comma list of addresses and CIDR ranges, the same meaning as the user-service's variable. */
const trustProxyField = z
  .string()
  .transform(commaListEntries)
  .superRefine((entries, context) => {
    for (const entry of entries) {
      const problem = trustedProxyProblem(entry);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: `must be IP addresses or CIDR ranges: ${problem}` });
    }
  });

/** The variables every Portcullis app reads, beside its own port and whatever else it needs. */
export const appEnvFields = {
  API_URL: z.url().default('http://127.0.0.1:4000'),
  NEXTAUTH_URL: z.url().optional(),
  NEXTAUTH_SECRET: z.string().min(32, 'must be at least 32 characters (`openssl rand -base64 32` makes one)'),
  /** Match the user-service's REFRESH_IDLE_TTL. */
  SESSION_IDLE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  DEBUG: z.string().optional(),
  /** This app instance's credential at the user-service (one of its APP_CREDENTIALS; the repo's start script generates one). */
  PORTCULLIS_APP_CREDENTIAL: z.string().min(32, "must be at least 32 characters (one of the user-service's APP_CREDENTIALS)").optional(),
  /** The reverse proxies in front of the app; read by @portcullis/next/server and, without it, by the library. */
  TRUST_PROXY: trustProxyField.optional(),
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
  appCredential: string | undefined;
  trustProxy: readonly string[] | undefined;
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
    appCredential: env.PORTCULLIS_APP_CREDENTIAL,
    trustProxy: env.TRUST_PROXY,
  };
}

/** The whole environment of an app that reads nothing beyond the shared variables and `PORT` (default 3000). */
const appOnlyEnvSchema = z.object({ PORT: portField(3000), ...appEnvFields });

/**
 * Parses the environment of an app that needs only what every Portcullis app reads, frozen; a bad value throws
 * naming the variable. An app with variables of its own builds its schema from `appEnvFields` instead.
 */
export function parseAppEnv(source: Record<string, string | undefined>): AppEnv {
  const env = parseEnvironment(appOnlyEnvSchema, source);
  return Object.freeze(appEnv(env, env.PORT));
}
