import { appAuthOptions, createAuth, lazyAuth } from '@portcullis/next';
import { parseEnv } from './env';

/** The portal's auth instance, built on first use (`next build` imports routes without the runtime environment). */
export const auth = lazyAuth(() => {
  const env = parseEnv(process.env);
  return createAuth({
    ...appAuthOptions(env, 'portcullis:portal'),
    // Single sign-on only: the portal never sees a password.
    mode: 'oidc',
    oidc: { ...env.oidc, postLogoutRedirectPath: '/' },
    // Cookies ignore ports: on localhost the web app (:3000) and the portal share a cookie jar.
    cookiePrefix: 'portal',
    publicPaths: ['/signin', '/forbidden'],
    bffAllowedPaths: ['me', 'auth/sessions'],
  });
});
