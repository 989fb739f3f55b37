import { decode, encode, type JWT, type JWTDecodeParams, type JWTEncodeParams } from 'next-auth/jwt';
import { sessionEndsAt, sessionTokenSchema, type SessionToken } from './session-token.js';

export interface SessionCodecOptions {
  secret: string;
  idleSeconds: number;
  now: () => number;
}

/**
 * Encrypts and decrypts the session cookie with NextAuth's own JWE format (dir + A256GCM, HKDF key), so the
 * proxy, the guards and NextAuth's route handler all read the same cookie. Expiry is the earlier of the idle
 * lifetime and the backend session's end: NextAuth sessions only slide, ours stop at the backend's absolute
 * lifetime (OWASP ASVS 5.0 §7.3.2).
 */
export class SessionCodec {
  readonly #options: SessionCodecOptions;

  constructor(options: SessionCodecOptions) {
    this.#options = options;
  }

  /** Seconds this token may live from now: idle lifetime capped by the backend session's end (≥ 0). */
  maxAgeSeconds(token: Pick<SessionToken, 'refreshTokenExpiresAt' | 'sessionExpiresAt'>): number {
    const remaining = Math.floor((sessionEndsAt(token) - this.#options.now()) / 1000);
    return Math.max(0, Math.min(this.#options.idleSeconds, remaining));
  }

  expiresAt(token: SessionToken): Date {
    return new Date(this.#options.now() + this.maxAgeSeconds(token) * 1000);
  }

  encode(token: SessionToken): Promise<string> {
    return encode({ token: { ...token }, secret: this.#options.secret, maxAge: this.maxAgeSeconds(token) });
  }

  /** The session in a cookie value, or `null` for anything unreadable, tampered, expired or ours no longer. */
  async decode(value: string | undefined): Promise<SessionToken | null> {
    if (!value) return null;
    try {
      const payload = await decode({ token: value, secret: this.#options.secret });
      const parsed = sessionTokenSchema.safeParse(payload);
      if (!parsed.success) return null;
      return sessionEndsAt(parsed.data) > this.#options.now() ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** NextAuth's `jwt.encode`: same JWE, with `maxAge` capped the same way when the token is ours. */
  readonly nextAuthEncode = async (params: JWTEncodeParams): Promise<string> => {
    const parsed = sessionTokenSchema.safeParse(params.token);
    const maxAge = parsed.success ? Math.min(params.maxAge ?? this.#options.idleSeconds, this.maxAgeSeconds(parsed.data)) : params.maxAge;
    return encode({ ...params, maxAge });
  };

  readonly nextAuthDecode = async (params: JWTDecodeParams): Promise<JWT | null> => decode(params);
}
