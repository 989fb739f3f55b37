import { createCipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { compactDecrypt } from 'jose';

/** RFC 9700 §4.14 / OWASP ASVS 5.0 §7.2.3: opaque, unguessable, 256 random bits. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this hash is stored, so a database leak yields no usable refresh token (OWASP ASVS 5.0 §7.2). */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function sameHash(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A refresh token has this shape; anything else is refused before touching the database. */
export function looksLikeRefreshToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

const SEALING_SALT = Buffer.alloc(32);
const SEALING_INFO_BLOCK = Buffer.from('portcullis/refresh-successor/v1\x01', 'latin1');

/**
 * HKDF-SHA256 (RFC 5869) of the predecessor, empty salt, info `portcullis/refresh-successor/v1`, 32 bytes, written
 * out as its two HMACs (extract, then the single expand block): the same key `hkdfSync` gives, at half its cost per
 * refresh (docs/benchmarks.md), since `hkdfSync` wraps its inputs in key objects on every call. An empty salt is HashLen zeros.
 */
function sealingKey(predecessor: string): Buffer {
  const pseudoRandomKey = createHmac('sha256', SEALING_SALT).update(predecessor, 'utf8').digest();
  return createHmac('sha256', pseudoRandomKey).update(SEALING_INFO_BLOCK).digest();
}

// The protected header of every sealed successor, base64url-encoded once: it is also the AES-GCM additional data.
const SEALED_HEADER = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM' })).toString('base64url');

/**
 * Encrypts the successor under a key only the holder of the predecessor can derive. A retry within the grace window
 * (RFC 9700 §4.14.2) then gets the very same successor, while the database stores nothing that works as a token.
 * The result is a compact JWE (RFC 7516 §7.1, `dir` + `A256GCM`) built with node:crypto directly: jose's WebCrypto
 * path imports a key and normalises algorithms on every call, which cost a tenth of a refresh (docs/benchmarks.md profile).
 */
export async function sealSuccessor(predecessor: string, successor: string): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(predecessor), iv);
  cipher.setAAD(Buffer.from(SEALED_HEADER, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return `${SEALED_HEADER}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

export async function openSuccessor(predecessor: string, sealed: string): Promise<string | null> {
  try {
    const { plaintext } = await compactDecrypt(sealed, sealingKey(predecessor), {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return new TextDecoder().decode(plaintext);
  } catch {
    return null;
  }
}
