import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED = /^[A-Za-z0-9_-]{40,400}$/;

export interface SealedTicketBinding {
  readonly requestId: string;
  /** The opener's nonce from the popup's URL. */
  readonly state: string;
}

/**
 * Keeps the approver's ticket server-side in effect while the popup holds it between sign-in and decision: the
 * browser only ever sees it encrypted and authenticated (AES-256-GCM) under a key derived from the app's secret,
 * bound to the request id and the opener's `state` as associated data, with its expiry inside. The popup cannot
 * read the ticket, take it to the user-service itself, or spend it on another request or another opener's state;
 * no cookie is set for it, so nothing is left behind in the shared cookie jar (RFC 9700 §4.17: no credential in
 * the front channel).
 */
export class TicketSeal {
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(options: { secret: string; now: () => number }) {
    this.#key = Buffer.from(hkdfSync('sha256', options.secret, Buffer.alloc(0), 'portcullis approval ticket seal v1', 32));
    this.#now = options.now;
  }

  seal(ticket: string, expiresAt: number, binding: SealedTicketBinding): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(associatedData(binding));
    const body = Buffer.concat([cipher.update(JSON.stringify({ t: ticket, e: expiresAt }), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The ticket, or `null` when the seal was tampered with, made for another request or state, or has expired. */
  open(sealed: string, binding: SealedTicketBinding): string | null {
    if (!SEALED.test(sealed)) return null;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(binding));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      const payload = JSON.parse(plain) as { t?: unknown; e?: unknown };
      if (typeof payload.t !== 'string' || typeof payload.e !== 'number') return null;
      return payload.e > this.#now() ? payload.t : null;
    } catch {
      // Authentication failed: tampered, another binding or another secret. No detail is worth keeping.
      return null;
    }
  }
}

function associatedData(binding: SealedTicketBinding): Buffer {
  return Buffer.from(`portcullis-approval\n${binding.requestId}\n${binding.state}`, 'utf8');
}
