import type { NextAuthOptions } from 'next-auth';
import type { UserServiceClient } from '../backend/user-service-client.js';
import { nextAuthCookies, type CookieSettings } from '../cookies/cookie-config.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';
import type { MfaCookies } from '../mfa/mfa-cookies.js';
import type { AuthConfig } from '../options.js';
import type { SessionCodec } from '../tokens/session-codec.js';
import { jwtCallback, redirectCallback, sessionCallback } from './callbacks.js';
import { credentialsProvider } from './credentials-provider.js';
import { oidcProvider } from '../oidc/oidc-provider.js';
import type { OidcSessionOptions } from '../oidc/oidc-session.js';

export interface AuthOptionsParts {
  config: AuthConfig;
  backend: UserServiceClient;
  codec: SessionCodec;
  cookies: CookieSettings;
  oidcSession: OidcSessionOptions;
  context: RequestContext;
  mfaCookies: MfaCookies;
}

/** NextAuth's options as pure data built from our config: no I/O at construction. */
export function buildAuthOptions(parts: AuthOptionsParts): NextAuthOptions {
  const { config, backend, codec, cookies, oidcSession, context, mfaCookies } = parts;
  const providers: NextAuthOptions['providers'] = [];
  if (config.mode !== 'oidc') {
    providers.push(
      credentialsProvider({
        backend,
        schedule: config,
        now: config.now,
        logger: config.logger,
        clientInfo: config.clientInfo,
        metrics: config.metrics,
        context,
        mfaCookies,
      }),
    );
  }
  if (config.mode !== 'credentials' && config.oidc) {
    providers.push(oidcProvider({ oidc: config.oidc, session: oidcSession, now: config.now, logger: config.logger, metrics: config.metrics }));
  }
  const callbackOptions = { appOrigin: config.appOrigin, exposeAccessToken: config.exposeAccessToken, now: config.now };
  return {
    secret: config.secret,
    debug: config.debug,
    logger: nextAuthLogger(config.logger),
    providers,
    session: { strategy: 'jwt', maxAge: config.sessionIdleSeconds },
    jwt: { maxAge: config.sessionIdleSeconds, encode: codec.nextAuthEncode, decode: codec.nextAuthDecode },
    useSecureCookies: config.secureCookies,
    cookies: nextAuthCookies(cookies),
    pages: { signIn: config.signInPath, error: config.signInPath },
    callbacks: {
      jwt: jwtCallback(),
      session: sessionCallback(callbackOptions),
      redirect: redirectCallback(callbackOptions),
    },
  };
}

/** NextAuth's `logger` and `debug` go to the same structured logger as everything else. */
function nextAuthLogger(logger: Logger): NonNullable<NextAuthOptions['logger']> {
  return {
    error: (code, metadata) => logger.error({ source: 'next-auth', code, metadata }, `next-auth: ${code}`),
    warn: (code) => logger.warn({ source: 'next-auth', code }, `next-auth: ${code}`),
    debug: (code, metadata) => logger.debug({ source: 'next-auth', code, metadata }, `next-auth: ${code}`),
  };
}
