import { ROLES, SCOPES, type Scope } from '@portcullis/contracts';
import { z } from 'zod';
import { refreshAtFor, type RefreshScheduleOptions, type SessionToken } from '../tokens/session-token.js';
import type { TokenSet } from './token-endpoint.js';

/** The claims of our access token the app keeps: `sid` (our session), `sub`, `role`, `scope` (RFC 9068 §2.2). */
const accessClaimsSchema = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  role: z.enum(ROLES),
  scope: z.string().default(''),
  amr: z.array(z.string().max(16)).max(8).optional(),
  acr: z.string().max(64).optional(),
  auth_time: z.number().int().nonnegative().optional(),
});

/** The ID token claims that fill the profile at sign-in; openid-client has verified them (signature, iss, aud, nonce). */
export const idTokenClaimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().min(1),
  name: z.string().default(''),
  role: z.enum(ROLES),
  sid: z.string().min(1).optional(),
});

export type IdTokenClaims = z.infer<typeof idTokenClaimsSchema>;

export interface OidcSessionOptions {
  schedule: RefreshScheduleOptions;
  /** Idle lifetime of the session: the refresh token is used at least this often or the session ends. */
  idleSeconds: number;
  /** Absolute lifetime when the provider does not say (it refuses the refresh with `invalid_grant` when it ends). */
  absoluteSeconds: number;
}

/**
 * The session cookie's content from a token response of the provider. Expiry is `expires_in` counted from the
 * moment we received the answer — never our clock compared with the token's `exp`, which a skewed clock would
 * turn into a refresh storm or a stale token. The access token is read without verification only for keys and
 * display (it came over our own connection to the token endpoint); the user-service verifies it on every use.
 */
export function sessionTokenFromTokenSet(
  tokens: TokenSet,
  context: { receivedAt: number; profile?: IdTokenClaims; previous?: SessionToken },
  options: OidcSessionOptions,
): SessionToken {
  const { receivedAt, profile, previous } = context;
  const claims = accessClaimsSchema.parse(unverifiedPayload(tokens.access_token));
  const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
  if (!refreshToken) throw new Error('the provider issued no refresh token (offline_access not granted)');
  const idToken = tokens.id_token ?? previous?.oidc?.idToken;
  if (!idToken) throw new Error('the provider issued no ID token');
  if (profile && profile.sub !== claims.sub) throw new Error('ID token and access token name different users');
  if (previous && previous.sub !== claims.sub) throw new Error('refreshed access token names another user');

  const accessTokenExpiresAt = receivedAt + tokens.expires_in * 1000;
  const sessionExpiresAt = previous?.sessionExpiresAt ?? receivedAt + options.absoluteSeconds * 1000;
  const providerSid = profile?.sid ?? previous?.oidc?.providerSid;
  return {
    sub: claims.sub,
    sid: claims.sid,
    name: profile?.name ?? previous?.name ?? '',
    email: profile?.email ?? previous?.email ?? '',
    role: claims.role,
    scopes: scopesOf(claims.scope),
    accessToken: tokens.access_token,
    accessTokenExpiresAt,
    refreshAt: refreshAtFor(receivedAt, accessTokenExpiresAt, options.schedule),
    refreshToken,
    refreshTokenExpiresAt: Math.min(receivedAt + options.idleSeconds * 1000, sessionExpiresAt),
    sessionExpiresAt,
    oidc: { idToken, ...(providerSid ? { providerSid } : {}) },
    // How the user signed in at the provider (RFC 8176), so guards can ask for `{ mfa: true }` in oidc mode too.
    ...(claims.amr === undefined ? {} : { amr: claims.amr }),
    ...(claims.acr === undefined ? {} : { acr: claims.acr }),
    ...(claims.auth_time === undefined ? {} : { authTime: claims.auth_time * 1000 }),
  };
}

/** Our scopes among the granted ones (`openid`, `offline_access`… are the provider's business). */
function scopesOf(scope: string): Scope[] {
  const known = new Set<string>(SCOPES);
  return scope.split(' ').filter((value): value is Scope => known.has(value));
}

function unverifiedPayload(jwt: string): unknown {
  const payload = jwt.split('.')[1];
  if (!payload) throw new Error('access token is not a JWS');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}
