import type { Role, Scope } from '@portcullis/contracts';

/** Who may call a route, declared beside its schemas and enforced for every route by one hook (http/access-control.ts). */
export type AccessRule =
  /** Anyone: sign-in, refresh, logout, health, keys, documentation. */
  | { readonly kind: 'public' }
  /** Prometheus: the scrape token, or a loopback caller when no proxy is trusted; anyone else is told "not found". */
  | { readonly kind: 'metrics_scraper' }
  /** A bearer access token whose session is still active. */
  | SignedInRule;

export interface SignedInRule {
  readonly kind: 'signed_in';
  /** `fresh` reads the session from the database, skipping the short validity cache (the app's revocation check). */
  readonly session: 'cached' | 'fresh';
  /** The role the token must hold at least. */
  readonly role?: Role;
  /** The API scope the token must carry; `openid` is the OpenID scope userinfo needs (OpenID Connect Core §5.3). */
  readonly scope?: Scope | 'openid';
  /** Only one of our app instances may call (its credential header); OWASP ASVS 5.0 §8.3.1. */
  readonly fromApp?: true;
  /** The session's last password check must be recent (RFC 9470), checked after the input is valid. */
  readonly recentAuthentication?: true;
}

export const PUBLIC: AccessRule = { kind: 'public' };
export const METRICS_SCRAPER: AccessRule = { kind: 'metrics_scraper' };

/** A signed-in caller through the short validity cache, with whatever else the route needs. */
export function signedIn(needs: Omit<SignedInRule, 'kind' | 'session'> & { session?: SignedInRule['session'] } = {}): SignedInRule {
  return { kind: 'signed_in', session: 'cached', ...needs };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; a route without one is refused at start-up. */
    access?: AccessRule;
  }
}
