import { hkdfSync } from 'node:crypto';
import { MFA_METHODS, mfaTokenSchema } from '@portcullis/contracts';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { z } from 'zod';
import type { CookieAttributes, CookieSettings } from '../cookies/cookie-config.js';
import { parseCookieHeader } from '../cookies/session-cookie-chunks.js';

/** How long a pending sign-in or a passkey ceremony may wait in the browser: the service's own bound (≤ 5 minutes). */
export const MFA_COOKIE_MAX_AGE_SECONDS = 300;

/** A ceremony binding as the user-service hands it out: opaque, URL-safe, bounded. */
const ceremonySchema = z.string().regex(/^[A-Za-z0-9_-]{16,256}$/);

/**
 * A sign-in waiting for its second factor. `stage` is `second_factor` when the user finishes with one of `methods`, or
 * `enrollment` when they must first set one up (then the `mfaToken` authorises the enrolment calls, nothing else).
 */
export const pendingMfaSchema = z.object({
  mfaToken: mfaTokenSchema,
  stage: z.enum(['second_factor', 'enrollment']),
  methods: z.array(z.enum(MFA_METHODS)).max(MFA_METHODS.length),
});
export type PendingMfa = z.infer<typeof pendingMfaSchema>;

/** A passwordless passkey ceremony: the user-service's binding of its challenge to this browser. */
export const passkeyCeremonySchema = z.object({ ceremony: ceremonySchema });
export type PasskeyCeremony = z.infer<typeof passkeyCeremonySchema>;

type Purpose = 'pending-mfa' | 'passkey-ceremony';

export interface SetCookie {
  name: string;
  value: string;
  attributes: CookieAttributes & { maxAge: number };
}

/**
 * The two short-lived cookies of a multi-factor sign-in. The secret they carry (the `mfaToken`, the ceremony binding)
 * stays with the server in effect: the browser holds it encrypted and authenticated (JWE dir + A256GCM, key derived
 * from the app secret per purpose) in an httpOnly `__Host-` cookie, so script cannot read it and a sibling subdomain
 * cannot plant one (OWASP ASVS 5.0 §3.3.1), and it expires with the service's own bound (expiry inside the seal and as
 * Max-Age). Nothing but this app can open it, and one purpose's seal never opens as the other's.
 */
export class MfaCookies {
  readonly #keys: Record<Purpose, Uint8Array>;
  readonly #now: () => number;
  readonly #cookies: CookieSettings;

  constructor(options: { secret: string; now: () => number; cookies: CookieSettings }) {
    const key = (purpose: Purpose): Uint8Array => new Uint8Array(hkdfSync('sha256', options.secret, Buffer.alloc(0), `portcullis ${purpose} cookie v1`, 32));
    this.#keys = { 'pending-mfa': key('pending-mfa'), 'passkey-ceremony': key('passkey-ceremony') };
    this.#now = options.now;
    this.#cookies = options.cookies;
  }

  get pendingMfaName(): string {
    return this.#cookies.pendingMfa;
  }

  get ceremonyName(): string {
    return this.#cookies.webauthnCeremony;
  }

  get attributes(): CookieAttributes {
    return this.#cookies.attributes;
  }

  async pendingMfaCookie(pending: PendingMfa): Promise<SetCookie> {
    return this.#cookie(this.#cookies.pendingMfa, await this.#seal('pending-mfa', pendingMfaSchema.parse(pending)));
  }

  async ceremonyCookie(ceremony: PasskeyCeremony): Promise<SetCookie> {
    return this.#cookie(this.#cookies.webauthnCeremony, await this.#seal('passkey-ceremony', passkeyCeremonySchema.parse(ceremony)));
  }

  /** The pending sign-in in a request's `Cookie` header, or `null`: absent, tampered, another app's, or expired. */
  async pendingMfaOf(cookieHeader: string | null | undefined): Promise<PendingMfa | null> {
    return this.#open('pending-mfa', valueOf(cookieHeader, this.#cookies.pendingMfa), pendingMfaSchema);
  }

  async ceremonyOf(cookieHeader: string | null | undefined): Promise<PasskeyCeremony | null> {
    return this.#open('passkey-ceremony', valueOf(cookieHeader, this.#cookies.webauthnCeremony), passkeyCeremonySchema);
  }

  #cookie(name: string, value: string): SetCookie {
    return { name, value, attributes: { ...this.#cookies.attributes, maxAge: MFA_COOKIE_MAX_AGE_SECONDS } };
  }

  async #seal(purpose: Purpose, payload: Record<string, unknown>): Promise<string> {
    const now = Math.floor(this.#now() / 1000);
    return new EncryptJWT(payload)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt(now)
      .setExpirationTime(now + MFA_COOKIE_MAX_AGE_SECONDS)
      .setAudience(purpose)
      .encrypt(this.#keys[purpose]);
  }

  async #open<S extends z.ZodType>(purpose: Purpose, value: string | undefined, schema: S): Promise<z.output<S> | null> {
    if (value === undefined || value.length === 0 || value.length > 4096) return null;
    try {
      const { payload } = await jwtDecrypt(value, this.#keys[purpose], {
        audience: purpose,
        currentDate: new Date(this.#now()),
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      const parsed = schema.safeParse(payload);
      return parsed.success ? parsed.data : null;
    } catch {
      // Tampered, expired, or sealed under another secret: there is no pending sign-in to speak of.
      return null;
    }
  }
}

function valueOf(cookieHeader: string | null | undefined, name: string): string | undefined {
  return parseCookieHeader(cookieHeader ?? null).find((cookie) => cookie.name === name)?.value;
}
