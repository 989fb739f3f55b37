import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Request header the proxy sets after it checked the session; stripped from anything a browser sends. */
export const ATTESTATION_HEADER = 'x-portcullis-session-check';

/**
 * Pages and actions must not trust that the proxy ran: CVE-2025-29927 and later path variants skipped it.
 * So the proxy signs "I checked session `sid` at `checkedAt`" with a key derived from the app secret, and the
 * guards accept that in place of their own backend call only when the MAC verifies. A request that bypassed
 * the proxy carries no valid attestation, and the guard checks the backend itself.
 */
export class ProxyAttestation {
  readonly #key: Buffer;
  readonly #maxAgeMs: number;

  constructor(options: { secret: string; maxAgeMs: number }) {
    this.#key = Buffer.from(hkdfSync('sha256', options.secret, 'portcullis', 'proxy-session-attestation', 32));
    this.#maxAgeMs = options.maxAgeMs;
  }

  sign(sid: string, checkedAt: number): string {
    return `v1.${checkedAt}.${this.#mac(sid, checkedAt)}`;
  }

  /** True when `value` attests `sid` and is no older than the allowed age at `now`. */
  verify(value: string | null, sid: string, now: number): boolean {
    if (!value) return false;
    const [version, at, mac] = value.split('.');
    if (version !== 'v1' || !at || !mac || !/^\d{1,16}$/.test(at)) return false;
    const checkedAt = Number(at);
    if (checkedAt > now + 1_000 || now - checkedAt > this.#maxAgeMs) return false;
    const expected = Buffer.from(this.#mac(sid, checkedAt));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(sid: string, checkedAt: number): string {
    return createHmac('sha256', this.#key).update(`${sid}\n${checkedAt}`).digest('base64url');
  }
}
