import { createAuth, createJsonLogger, debugEnabled, type Auth } from '@portcullis/next';
import { parseEnv } from './env';

const NAMESPACE = 'portcullis:portal';
export const BACKCHANNEL_LOGOUT_PATH = '/api/auth/backchannel-logout';

function build(): Auth {
  const env = parseEnv(process.env);
  const debug = debugEnabled(env.debug, NAMESPACE);
  return createAuth({
    backendUrl: env.apiUrl,
    appUrl: env.appUrl,
    secret: env.secret,
    // Single sign-on only: the portal never sees a password.
    mode: 'oidc',
    oidc: { ...env.oidc, postLogoutRedirectPath: '/' },
    // Cookies ignore ports: on localhost the web app (:3000) and the portal share a cookie jar.
    cookiePrefix: 'portal',
    sessionIdleSeconds: env.sessionIdleSeconds,
    publicPaths: ['/signin', '/forbidden'],
    bffAllowedPaths: ['me', 'auth/sessions'],
    debug,
    logger: createJsonLogger({ name: NAMESPACE, level: debug ? 'debug' : 'info' }),
  });
}

const holder: { auth?: Auth } = {};

/** The portal's auth instance, built on first use (`next build` imports routes without the runtime environment). */
export function auth(): Auth {
  holder.auth ??= build();
  return holder.auth;
}
