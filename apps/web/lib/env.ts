import { appEnv, appEnvFields, invalidEnvironment, parseEnvironment, portField, type AppEnv } from '@portcullis/next/config';
import { z } from 'zod';

const envSchema = z.object({
  WEB_PORT: portField(3000),
  ...appEnvFields,
  /** Bearer token Prometheus presents to /api/metrics; unset, the endpoint answers 404. */
  WEB_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Single sign-on at the user-service's OpenID Provider: all three or none. */
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Comma list of `credentials` and `oidc`; default both when OIDC_* are set, else credentials. */
  AUTH_MODES: z.string().optional(),
  /**
   * The user-service's development mailbox directory, set only by `npm start` (scripts/start.mjs); unset, /dev/mailbox
   * answers 404. A production deployment never sets it: the messages hold live sign-in and reset links.
   */
  DEV_MAILBOX_DIR: z.string().min(1).optional(),
  /** The user-service's SIGNUP, read the same way: the sign-in page offers sign-up and /signup its form only when `open`. */
  SIGNUP: z.enum(['invite', 'open', 'closed']).default('invite'),
  /**
   * The user-service's MFA_REQUIRED_ROLES, read the same way (default ADMIN,MANAGER; empty or `none` for none): when it
   * names ADMIN, the admin pages and actions also want a multi-factor session (OWASP ASVS 5.0 §6.3.3), in depth behind
   * the service, which never issues an ADMIN a session without one.
   */
  MFA_REQUIRED_ROLES: z
    .string()
    .default('ADMIN,MANAGER')
    .transform((list) => list.split(',').map((role) => role.trim().toUpperCase()))
    .pipe(z.array(z.enum(['USER', 'MANAGER', 'ADMIN', 'NONE', '']))),
});

const modesSchema = z.array(z.enum(['credentials', 'oidc'])).min(1, 'names no sign-in method');

export interface Env extends AppEnv {
  metricsToken: string | undefined;
  /** How people may sign in: the password form, single sign-on, or both. */
  mode: 'credentials' | 'oidc' | 'both';
  oidc: { issuer: string; clientId: string; clientSecret: string } | undefined;
  /** Where /dev/mailbox reads the development mailbox; undefined: the page does not exist. */
  devMailboxDir: string | undefined;
  /** Whether anyone may sign up (docs/accounts.md); the user-service decides, this only hides a form it would refuse. */
  signupOpen: boolean;
  /** Whether the admin pages and actions want a multi-factor session (`amr` with `mfa`). */
  adminNeedsMfa: boolean;
}

function fail(name: string, message: string): never {
  throw invalidEnvironment(name, message);
}

/** Parses the environment once; a bad value stops the app with the variable's name. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const env = parseEnvironment(envSchema, source);
  const oidcSet = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET].filter((value) => value !== undefined).length;
  if (oidcSet !== 0 && oidcSet !== 3) fail('OIDC_ISSUER', 'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together');
  const oidc =
    env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET
      ? { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET }
      : undefined;
  const modes = modesSchema.safeParse(
    (env.AUTH_MODES ?? (oidc ? 'credentials,oidc' : 'credentials'))
      .split(',')
      .map((mode) => mode.trim())
      .filter((mode) => mode !== ''),
  );
  if (!modes.success) fail('AUTH_MODES', modes.error.issues[0]?.message ?? 'must list credentials and/or oidc');
  if (modes.data.includes('oidc') && !oidc) fail('AUTH_MODES', 'oidc needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET');
  const mode = modes.data.includes('oidc') ? (modes.data.includes('credentials') ? 'both' : 'oidc') : 'credentials';
  return Object.freeze({
    ...appEnv(env, env.WEB_PORT),
    metricsToken: env.WEB_METRICS_TOKEN,
    mode,
    oidc,
    devMailboxDir: env.DEV_MAILBOX_DIR,
    signupOpen: env.SIGNUP === 'open',
    adminNeedsMfa: env.MFA_REQUIRED_ROLES.includes('ADMIN'),
  });
}
