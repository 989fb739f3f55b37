import { appAuthOptions, createAuth, lazyAuth } from '@portcullis/next';
import { parseEnv } from './env';

/** The public account pages (docs/accounts.md); the mail's links lead to the last five. */
const ACCOUNT_PAGES = ['/signup', '/forgot-password', '/reset-password', '/verify-email', '/accept-invitation', '/confirm-email', '/cancel-email-change'];

/** Public to the proxy (Prometheus has no session): the route checks its own bearer token. */
const METRICS_PATH = '/api/metrics';

/**
 * The app's auth instance, built on first use: `next build` imports route modules without the runtime
 * environment, and instrumentation.ts calls this at server start so a bad variable still stops start-up.
 */
export const auth = lazyAuth(() => {
  const env = parseEnv(process.env);
  return createAuth({
    ...appAuthOptions(env, 'portcullis:web'),
    // /approve: the approver proves who they are with their password in the popup, not with a session. The account
    // pages serve people who cannot sign in yet (or any more); those with a mail's link prove themselves by its token.
    publicPaths: ['/signin', '/forbidden', '/approve', METRICS_PATH, ...ACCOUNT_PAGES],
    bffAllowedPaths: ['me', 'auth/sessions'],
    mode: env.mode,
    ...(env.oidc ? { oidc: env.oidc } : {}),
    // Without a token the metrics route answers 404: metrics are never public by default.
    ...(env.metricsToken ? { metricsToken: env.metricsToken } : {}),
  });
});

/** Whether this deployment takes open sign-ups (SIGNUP=open); read per request, it is a few variables. */
export function signupOpen(): boolean {
  return parseEnv(process.env).signupOpen;
}
