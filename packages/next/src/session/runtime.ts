import type { EndedSessions } from '../oidc/ended-sessions.js';
import type { LogoutRevoker } from './logout-revoker.js';
import type { SessionStatusCache } from './session-status-cache.js';
import type { TokenRefresher } from '../tokens/token-refresher.js';

/** The stateful parts: one per process, shared by the proxy and every route. */
export interface AuthRuntime {
  refresher: TokenRefresher;
  statusCache: SessionStatusCache;
  revoker: LogoutRevoker;
  /** oidc mode: revokes the refresh token at the provider on sign-out. */
  oidcRevoker: LogoutRevoker | undefined;
  /** Provider sessions ended by back-channel logout, seen by the proxy and the guards of this process. */
  endedSessions: EndedSessions;
}

const REGISTRY = Symbol.for('@portcullis/next.runtime');

type Registry = Map<string, AuthRuntime>;

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  holder[REGISTRY] ??= new Map();
  return holder[REGISTRY];
}

/**
 * Next.js bundles `proxy.ts` and the app's routes separately, so each gets its own copy of this library's
 * modules. Single-flight refresh and the revocation cache must be per process, not per bundle (a sign-out
 * handled by a route must be seen by the proxy at once), so the instances live on `globalThis` under a
 * registered symbol, keyed by the configuration they serve.
 */
export function processRuntime(key: string, create: () => AuthRuntime): AuthRuntime {
  const runtimes = registry();
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = create();
    runtimes.set(key, runtime);
  }
  return runtime;
}
