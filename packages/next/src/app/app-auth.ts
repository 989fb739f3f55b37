import type { AppEnv } from '../config/app-env.js';
import type { Auth } from '../create-auth.js';
import { createJsonLogger, debugEnabled } from '../logging/logger.js';
import type { CreateAuthOptions } from '../options.js';

/**
 * An app's auth instance, built on first use: `next build` imports route modules without the runtime environment,
 * so the environment is read when the first request (or instrumentation.ts at server start) asks for it.
 */
export function lazyAuth(build: () => Auth): () => Auth {
  let built: Auth | undefined;
  return () => {
    built ??= build();
    return built;
  };
}

/** The `createAuth` options every app takes from its environment: the backend, itself, and its JSON logger. */
export function appAuthOptions(
  env: AppEnv,
  namespace: string,
): Pick<CreateAuthOptions, 'backendUrl' | 'appUrl' | 'secret' | 'sessionIdleSeconds' | 'debug' | 'logger' | 'appCredential' | 'trustProxy'> {
  const debug = debugEnabled(env.debug, namespace);
  return {
    backendUrl: env.apiUrl,
    appUrl: env.appUrl,
    secret: env.secret,
    sessionIdleSeconds: env.sessionIdleSeconds,
    debug,
    logger: createJsonLogger({ name: namespace, level: debug ? 'debug' : 'info' }),
    ...(env.appCredential === undefined ? {} : { appCredential: env.appCredential }),
    ...(env.trustProxy === undefined ? {} : { trustProxy: [...env.trustProxy] }),
  };
}
