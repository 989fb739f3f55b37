import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type CryptoKey, type JWTHeaderParameters } from 'jose';
import { z } from 'zod';
import { AMR_VALUES, ROLES, SCOPES, acrOf, type AcrValue, type AmrValue, type Role, type Scope } from '@portcullis/contracts';
import type { Clock } from '../clock.js';
import { invalidToken } from '../errors.js';
import type { SigningKeyStore } from './signing-keys.js';

/** The OpenID Connect scopes that decide what userinfo answers (OpenID Connect Core §5.4). */
const OPENID_SCOPES = ['openid', 'profile', 'email'] as const;
export type OpenIdScope = (typeof OPENID_SCOPES)[number];

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  readonly userId: string;
  readonly sid: string;
  readonly role: Role;
  readonly scopes: readonly Scope[];
  /** Granted with a token our OpenID Provider issued; none on the API's own tokens. */
  readonly openIdScopes: readonly OpenIdScope[];
  /** When the user was last proven (the sign-in's last factor), epoch seconds. */
  readonly authTime: number;
  /** How the sign-in was proven (RFC 8176), and its `acr`. */
  readonly amr: readonly AmrValue[];
  readonly acr: AcrValue;
  readonly expiresAt: number;
}

interface AccessTokenSubject {
  userId: string;
  sid: string;
  role: Role;
  scopes: readonly Scope[];
  authTimeSeconds: number;
  amr: readonly AmrValue[];
}

export interface AccessTokens {
  issue(subject: AccessTokenSubject): Promise<{ token: string; expiresAt: number }>;
  /** Verifies signature, algorithm, `typ`, `iss`, `aud`, `exp`; throws `invalid_token` on any doubt. */
  verify(token: string): Promise<Principal>;
}

// RFC 8725 §3.1: only asymmetric algorithms we sign with; `none` and HMAC are never accepted.
const ACCEPTED_ALGORITHMS = ['EdDSA', 'ES256'];
// RFC 9068 §4: the access token's type is checked so an ID token or other JWT cannot be replayed as one.
const ACCESS_TOKEN_TYPE = 'at+jwt';
const CLOCK_TOLERANCE_SECONDS = 30;
const KEY_MEMO_MS = 60_000;

const claimsSchema = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  jti: z.string().min(1),
  exp: z.number().int(),
  iat: z.number().int(),
  auth_time: z.number().int(),
  // A token minted before `amr` existed claims no more than a password.
  amr: z.array(z.enum(AMR_VALUES)).default(['pwd']),
  role: z.enum(ROLES),
  scope: z.string(),
});

export function createAccessTokens(options: { keys: SigningKeyStore; issuer: string; audience: string; ttlSeconds: number; clock: Clock }): AccessTokens {
  const { keys, issuer, audience, ttlSeconds, clock } = options;

  // Keys found in the store, by `kid`, for a minute: most requests then resolve their key without a promise (docs/benchmarks.md,
  // GET /v1/me near its ceiling). Safe to keep a retired key a minute longer: its tokens have expired by then.
  const recentKeys = new Map<string, { alg: string; publicKey: CryptoKey; until: number }>();

  async function lookUp(kid: string, alg: string | undefined): Promise<CryptoKey> {
    const key = await keys.verificationKey(kid);
    if (key === null || key.alg !== alg) throw new joseErrors.JWKSNoMatchingKey();
    if (recentKeys.size > 100) recentKeys.clear();
    recentKeys.set(kid, { alg: key.alg, publicKey: key.publicKey, until: clock.now() + KEY_MEMO_MS });
    return key.publicKey;
  }

  function keyFor(header: JWTHeaderParameters): CryptoKey | Promise<CryptoKey> {
    // RFC 8725 §3.10: never follow `jku`, `x5u` or an embedded `jwk`; the key comes only from our store by `kid`.
    if (typeof header.kid !== 'string') throw new joseErrors.JWSInvalid('missing kid');
    const known = recentKeys.get(header.kid);
    if (known !== undefined && known.until > clock.now()) {
      if (known.alg !== header.alg) throw new joseErrors.JWKSNoMatchingKey();
      return known.publicKey;
    }
    return lookUp(header.kid, header.alg);
  }

  return {
    async issue(subject) {
      const { kid, alg, privateKey } = await keys.signingKey();
      const issuedAt = Math.floor(clock.now() / 1000);
      const expiresAtSeconds = issuedAt + ttlSeconds;
      const token = await new SignJWT({
        sid: subject.sid,
        auth_time: subject.authTimeSeconds,
        // RFC 9068 §2.2.1: the authentication information of the sign-in the token stands for.
        amr: [...subject.amr],
        acr: acrOf(subject.amr),
        role: subject.role,
        scope: subject.scopes.join(' '),
      })
        .setProtectedHeader({ alg, kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject.userId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAtSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
      return { token, expiresAt: expiresAtSeconds * 1000 };
    },

    async verify(token) {
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, keyFor, {
          algorithms: ACCEPTED_ALGORITHMS,
          issuer,
          audience,
          typ: ACCESS_TOKEN_TYPE,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(clock.now()),
          // jose only checks `exp` when present; an access token without one must be refused.
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
        }));
      } catch (error) {
        throw invalidToken(error instanceof Error ? error.name : 'verification failed');
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw invalidToken('claims do not match the access token profile');
      const granted = claims.data.scope.split(' ');
      const scopes = granted.filter((scope): scope is Scope => (SCOPES as readonly string[]).includes(scope));
      const openIdScopes = granted.filter((scope): scope is OpenIdScope => (OPENID_SCOPES as readonly string[]).includes(scope));
      return {
        userId: claims.data.sub,
        sid: claims.data.sid,
        role: claims.data.role,
        scopes,
        openIdScopes,
        authTime: claims.data.auth_time,
        amr: claims.data.amr,
        acr: acrOf(claims.data.amr),
        expiresAt: claims.data.exp * 1000,
      };
    },
  };
}
