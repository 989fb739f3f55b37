import { createAuth, createJsonLogger, debugEnabled, type Auth } from '@portcullis/next';
import { parseEnv } from './env';

const NAMESPACE = 'portcullis:web';
/** Public to the proxy (Prometheus has no session): the route checks its own bearer token. */
export const METRICS_PATH = '/api/metrics';

function build(): Auth {
  const env = parseEnv(process.env);
  const debug = debugEnabled(env.debug, NAMESPACE);
  return createAuth({
    backendUrl: env.apiUrl,
    appUrl: env.appUrl,
    secret: env.secret,
    sessionIdleSeconds: env.sessionIdleSeconds,
    // /approve: the approver proves who they are with their password in the popup, not with a session.
    publicPaths: ['/signin', '/forbidden', '/approve', METRICS_PATH],
    bffAllowedPaths: ['me', 'auth/sessions'],
    mode: env.mode,
    ...(env.oidc ? { oidc: env.oidc } : {}),
    debug,
    // Without a token the metrics route answers 404: metrics are never public by default.
    ...(env.metricsToken ? { metricsToken: env.metricsToken } : {}),
    logger: createJsonLogger({ name: NAMESPACE, level: debug ? 'debug' : 'info' }),
  });
}

const holder: { auth?: Auth } = {};

/**
 * The app's auth instance, built on first use: `next build` imports route modules without the runtime
 * environment, and instrumentation.ts calls this at server start so a bad variable still stops start-up.
 */
export function auth(): Auth {
  holder.auth ??= build();
  return holder.auth;
}
