import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { BackendUnavailableError } from '../errors.js';
import type { OidcDiscovery } from './discovery.js';
import { acceptedSigningAlgorithms } from './signing-algorithms.js';

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** OpenID Connect Back-Channel Logout 1.0 §2.4: the claims a logout token must (and must not) carry. */
const logoutClaimsSchema = z
  .object({
    jti: z.string().min(1),
    iat: z.number(),
    sid: z.string().min(1).optional(),
    sub: z.string().min(1).optional(),
    events: z.record(z.string(), z.unknown()).refine((events) => typeof events[BACKCHANNEL_LOGOUT_EVENT] === 'object', 'no back-channel logout event'),
    nonce: z.never({ error: 'a logout token must not carry a nonce' }).optional(),
  })
  .refine((claims) => claims.sid !== undefined || claims.sub !== undefined, 'neither sid nor sub');

interface LogoutTokenClaims {
  jti: string;
  sid?: string;
  sub?: string;
}

export type LogoutTokenVerifier = (token: string) => Promise<LogoutTokenClaims>;

/** A logout token that must not be acted on; the reason is for the log, never for the caller. */
export class InvalidLogoutTokenError extends Error {
  constructor(readonly reason: string) {
    super('invalid logout token');
    this.name = 'InvalidLogoutTokenError';
  }
}

export interface LogoutTokenVerifierOptions {
  discovery: OidcDiscovery;
  issuer: string;
  clientId: string;
  fetch: typeof fetch;
  /** A logout token older than this is refused (Back-Channel Logout §2.6: "iat" recent enough). */
  maxAgeSeconds?: number;
  now: () => number;
}

/**
 * Verifies a back-channel logout token strictly: only the asymmetric algorithms the provider advertises for its ID
 * tokens (Back-Channel Logout 1.0 §2.4: signed like them), keys only from the provider's JWKS (discovered),
 * exact `iss`, `aud` = our client id, `typ` `logout+jwt` when set, a fresh `iat`, the logout event, `sid` or `sub`,
 * and no `nonce` (so an ID token can never pass as a logout token; RFC 8725 §3.11).
 */
export function createLogoutTokenVerifier(options: LogoutTokenVerifierOptions): LogoutTokenVerifier {
  const maxAgeSeconds = options.maxAgeSeconds ?? 120;
  let keys: { uri: string; getKey: JWTVerifyGetKey } | undefined;

  async function verification(): Promise<{ getKey: JWTVerifyGetKey; algorithms: string[] }> {
    const metadata = await options.discovery.metadata();
    const uri = metadata.jwks_uri;
    if (keys?.uri !== uri) keys = { uri, getKey: createRemoteJWKSet(new URL(uri), { [customFetch]: options.fetch }) };
    return { getKey: keys.getKey, algorithms: acceptedSigningAlgorithms(metadata.id_token_signing_alg_values_supported) };
  }

  return async function verifyLogoutToken(token) {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidLogoutTokenError('malformed');
    }
    if (header.typ !== undefined && header.typ.replace(/^application\//i, '').toLowerCase() !== 'logout+jwt') {
      throw new InvalidLogoutTokenError('typ');
    }
    const { getKey, algorithms } = await verification();
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms,
        issuer: options.issuer,
        audience: options.clientId,
        requiredClaims: ['iat', 'jti'],
        maxTokenAge: maxAgeSeconds,
        clockTolerance: 15,
        currentDate: new Date(options.now()),
      }));
    } catch (error) {
      // The provider's keys could not be read: our outage, not a bad token.
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) throw new BackendUnavailableError({ cause: error });
      throw new InvalidLogoutTokenError(error.code);
    }
    const claims = logoutClaimsSchema.safeParse(payload);
    if (!claims.success) throw new InvalidLogoutTokenError(claims.error.issues[0]?.message ?? 'claims');
    const { jti, sid, sub } = claims.data;
    return { jti, ...(sid ? { sid } : {}), ...(sub ? { sub } : {}) };
  };
}
