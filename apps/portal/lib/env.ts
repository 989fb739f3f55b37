import { appEnv, appEnvFields, parseEnvironment, portField, type AppEnv } from '@portcullis/next/config';
import { z } from 'zod';

const envSchema = z.object({
  PORTAL_PORT: portField(3001),
  ...appEnvFields,
  /** The OpenID Provider (the user-service's ISSUER) and the portal's registration there: the portal signs in only this way. */
  OIDC_ISSUER: z.url(),
  OIDC_CLIENT_ID: z.string().min(1),
  OIDC_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters (scripts/start.mjs generates one into DATA_DIR)'),
});

export interface Env extends AppEnv {
  oidc: { issuer: string; clientId: string; clientSecret: string };
}

/** Parses the environment once; a bad value stops the app with the variable's name. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const env = parseEnvironment(envSchema, source);
  return Object.freeze({
    ...appEnv(env, env.PORTAL_PORT),
    oidc: { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET },
  });
}
