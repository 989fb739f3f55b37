import { ROLES, scopeListSchema, type TokenResponse } from '@portcullis/contracts';
import { decodeJwt } from 'jose';
import { z } from 'zod';

/**
 * What the encrypted session cookie holds. Kept to the minimum so the JWE stays one cookie (< 4 KB):
 * no profile picture, no duplicated claims. The refresh token lives only here, encrypted, never in the
 * browser-visible session (RFC 9700 §4.14: refresh tokens stay with the confidential part of the client).
 */
export const sessionTokenSchema = z.object({
  sub: z.string(),
  sid: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  scopes: scopeListSchema,
  accessToken: z.string(),
  /** This and the other times are epoch ms on this app's clock, whatever the backend's says (`backendToLocalTime`). */
  accessTokenExpiresAt: z.number().int(),
  /** When the proxy refreshes: ahead of expiry, computed once when the token arrives. */
  refreshAt: z.number().int(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.number().int(),
  /** Absolute end of the backend session: the cookie never outlives it. */
  sessionExpiresAt: z.number().int(),
  /**
   * How the user proved who they are (RFC 8176 `amr`), the resulting `acr`, and when the last factor was proven (epoch ms,
   * this app's clock), as the backend put them in the access token. Absent in sessions made before they existed.
   */
  amr: z.array(z.string().max(16)).max(8).optional(),
  acr: z.string().max(64).optional(),
  authTime: z.number().int().optional(),
  /** Present when the session came from single sign-on at the OpenID Provider (oidc mode). */
  oidc: z
    .object({
      /** The last ID token: `id_token_hint` for RP-initiated logout. */
      idToken: z.string(),
      /** The provider's session id for this app (`sid` of the ID token): what back-channel logout names. */
      providerSid: z.string().optional(),
    })
    .optional(),
});

export type SessionToken = z.infer<typeof sessionTokenSchema>;

export interface RefreshScheduleOptions {
  refreshLeadSeconds: number;
}

/**
 * Refresh `refreshLeadSeconds` before expiry, but never more than a fifth of the token's lifetime ahead,
 * so a 5 s token is refreshed after 4 s rather than on every request.
 */
export function refreshAtFor(receivedAt: number, accessTokenExpiresAt: number, options: RefreshScheduleOptions): number {
  const lifetime = Math.max(0, accessTokenExpiresAt - receivedAt);
  const lead = Math.min(options.refreshLeadSeconds * 1000, Math.floor(lifetime / 5));
  return accessTokenExpiresAt - lead;
}

export function sessionTokenFromResponse(tokens: TokenResponse, receivedAt: number, options: RefreshScheduleOptions): SessionToken {
  const claims = accessTokenClaimsOf(tokens.accessToken);
  const local = backendToLocalTime(claims.issuedAt, receivedAt);
  const accessTokenExpiresAt = local(tokens.accessTokenExpiresAt);
  return {
    sub: tokens.user.id,
    sid: claims.sid,
    name: tokens.user.name,
    email: tokens.user.email,
    role: tokens.user.role,
    scopes: tokens.user.scopes,
    accessToken: tokens.accessToken,
    accessTokenExpiresAt,
    refreshAt: refreshAtFor(receivedAt, accessTokenExpiresAt, options),
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresAt: local(tokens.refreshTokenExpiresAt),
    sessionExpiresAt: local(tokens.sessionExpiresAt),
    ...(claims.amr === undefined ? {} : { amr: claims.amr }),
    ...(claims.acr === undefined ? {} : { acr: claims.acr }),
    ...(claims.authTime === undefined ? {} : { authTime: local(claims.authTime) }),
  };
}

/**
 * Moves a time the backend sent onto this process's clock. The backend's times are on its clock, which may be
 * minutes off ours: read against our clock, an expiry two minutes "past" makes every request refresh (a loop), and
 * one two minutes "ahead" keeps a dead token in use until the backend refuses it. What both clocks agree on is a
 * duration: `time - iat` is what the backend gave us (the lifetime it returns), and we count it from the moment its
 * answer arrived — erring late by at most our network latency plus `iat`'s rounding to whole seconds, far inside
 * the backend's 30 s tolerance and the refresh lead. Without `iat` (not an RFC 9068 token: test fakes) the times
 * are taken as they are.
 */
function backendToLocalTime(issuedAt: number | undefined, receivedAt: number): (backendTime: number) => number {
  if (issuedAt === undefined) return (backendTime) => backendTime;
  return (backendTime) => receivedAt + Math.max(0, backendTime - issuedAt);
}

/** The session's last moment: the earlier of the refresh token's and the backend session's expiry. */
export function sessionEndsAt(token: Pick<SessionToken, 'refreshTokenExpiresAt' | 'sessionExpiresAt'>): number {
  return Math.min(token.refreshTokenExpiresAt, token.sessionExpiresAt);
}

const accessClaimsSchema = z.object({
  sid: z.string().min(1),
  iat: z.number().int().nonnegative().optional(),
  amr: z.array(z.string().max(16)).max(8).optional(),
  acr: z.string().max(64).optional(),
  auth_time: z.number().int().nonnegative().optional(),
});

interface AccessClaims {
  sid: string;
  issuedAt: number | undefined;
  amr: string[] | undefined;
  acr: string | undefined;
  /** Epoch ms on the backend's clock. */
  authTime: number | undefined;
}

/**
 * Reads `sid`, `iat`, `amr`, `acr` and `auth_time` from the access token's payload without verifying it. Safe here: the
 * token came straight from the user-service over our own connection, in the answer to the request we made; `sid` only
 * keys caches, `iat` only converts the backend's times to our clock, and `amr`/`auth_time` only let guards refuse
 * earlier what the backend — which verifies the token on every use — would refuse anyway (RFC 8725 §3.2 still holds
 * where it matters: the backend never authorizes on unverified claims).
 */
function accessTokenClaimsOf(accessToken: string): AccessClaims {
  let payload: unknown;
  try {
    payload = decodeJwt(accessToken);
  } catch {
    throw new Error('access token is not a JWS');
  }
  const parsed = accessClaimsSchema.safeParse(payload);
  if (!parsed.success) throw new Error('access token has no sid');
  const { sid, iat, amr, acr, auth_time: authTime } = parsed.data;
  return { sid, issuedAt: iat === undefined ? undefined : iat * 1000, amr, acr, authTime: authTime === undefined ? undefined : authTime * 1000 };
}
