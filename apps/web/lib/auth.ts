import { appAuthOptions, createAuth, lazyAuth } from '@portcullis/next';
import { parseEnv } from './env';

/** Public to the proxy (Prometheus has no session): the route checks its own bearer token. */
const METRICS_PATH = '/api/metrics';
/** Public while it exists (development only): a person reads the mail of an account they do not yet have a session for. */
const DEV_MAILBOX_PATH = '/dev/mailbox';

/**
 * The app's auth instance, built on first use: `next build` imports route modules without the runtime
 * environment, and instrumentation.ts calls this at server start so a bad variable still stops start-up.
 */
export const auth = lazyAuth(() => {
  const env = parseEnv(process.env);
  return createAuth({
    ...appAuthOptions(env, 'portcullis:web'),
    // /approve: the approver proves who they are with their password in the popup, not with a session.
    // /dev/mailbox: the development mailbox, there only when `npm start` names its directory (DEV_MAILBOX_DIR).
    publicPaths: ['/signin', '/forbidden', '/approve', METRICS_PATH, ...(env.devMailboxDir === undefined ? [] : [DEV_MAILBOX_PATH])],
    bffAllowedPaths: ['me', 'auth/sessions'],
    mode: env.mode,
    ...(env.oidc ? { oidc: env.oidc } : {}),
    // Without a token the metrics route answers 404: metrics are never public by default.
    ...(env.metricsToken ? { metricsToken: env.metricsToken } : {}),
  });
});
