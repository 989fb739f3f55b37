import { createAuth, createJsonLogger, debugEnabled, type Auth } from '@portcullis/next';
import { parseEnv } from './env';

const NAMESPACE = 'portcullis:web';

function build(): Auth {
  const env = parseEnv(process.env);
  const debug = debugEnabled(env.debug, NAMESPACE);
  return createAuth({
    backendUrl: env.apiUrl,
    appUrl: env.appUrl,
    secret: env.secret,
    sessionIdleSeconds: env.sessionIdleSeconds,
    // /approve: the approver proves who they are with their password in the popup, not with a session.
    publicPaths: ['/signin', '/forbidden', '/approve'],
    bffAllowedPaths: ['me', 'auth/sessions'],
    debug,
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
