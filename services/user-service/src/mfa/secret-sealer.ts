import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompactEncrypt, compactDecrypt, errors as joseErrors } from 'jose';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

const KEY_FILE = 'mfa-encryption.key';
const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

interface SealingKey {
  readonly kid: string;
  readonly bytes: Uint8Array;
}

function sealingKey(encoded: string): SealingKey {
  const bytes = new Uint8Array(Buffer.from(encoded, 'base64url'));
  // The kid names a key without revealing it: a rotation finds the key that sealed a secret without trying each one.
  return { kid: createHash('sha256').update(bytes).digest('base64url').slice(0, 16), bytes };
}

/**
 * Seals TOTP secrets at rest (OWASP ASVS 5.0 §6.5.5): JWE compact, `dir` + `A256GCM`, under the newest of
 * MFA_ENCRYPTION_KEY; older keys still open what they sealed, so a rotation is "prepend a key, re-seal lazily".
 */
export class SecretSealer {
  readonly #keys: readonly SealingKey[];

  constructor(encodedKeys: readonly string[]) {
    const [newest] = encodedKeys;
    if (newest === undefined) throw new Error('SecretSealer needs at least one key');
    this.#keys = encodedKeys.map(sealingKey);
  }

  async seal(secret: string): Promise<string> {
    const [key] = this.#keys;
    if (key === undefined) throw new Error('no sealing key');
    return new CompactEncrypt(new TextEncoder().encode(secret)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: key.kid }).encrypt(key.bytes);
  }

  /** The secret, or null when no configured key opens it (a key removed too early, or a tampered row). */
  async open(sealed: string): Promise<string | null> {
    try {
      const { plaintext } = await compactDecrypt(sealed, (header) => {
        const key = this.#keys.find((candidate) => candidate.kid === header.kid);
        if (key === undefined) throw new joseErrors.JWEDecryptionFailed();
        return key.bytes;
      });
      return new TextDecoder().decode(plaintext);
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  }
}

/**
 * The sealer of this configuration: MFA_ENCRYPTION_KEY when set (production requires it); otherwise a key generated
 * once into DATA_DIR (`mfa-encryption.key`, mode 0600) for the demo, or one per process for a throwaway database.
 */
export async function createSecretSealer(config: Config, logger: Logger): Promise<SecretSealer> {
  if (config.mfa.encryptionKeys !== undefined) return new SecretSealer(config.mfa.encryptionKeys);
  const { database } = config;
  if (database.kind !== 'pglite' || database.dataDir.startsWith('memory://')) {
    if (database.kind === 'postgres') logger.warn('MFA_ENCRYPTION_KEY is unset: TOTP secrets are sealed with a key of this process only, lost at restart');
    return new SecretSealer([randomBytes(32).toString('base64url')]);
  }
  const file = join(database.dataDir, KEY_FILE);
  const existing = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    },
  );
  if (existing !== null && KEY_PATTERN.test(existing)) return new SecretSealer([existing]);
  if (existing !== null) throw new Error(`${file} does not hold a 32-byte base64url key`);
  const generated = randomBytes(32).toString('base64url');
  await mkdir(database.dataDir, { recursive: true });
  // Only the service's own user may read the key (mode 0600); `wx` never overwrites one another process just wrote.
  await writeFile(file, `${generated}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const written = (await readFile(file, 'utf8')).trim();
  return new SecretSealer([written]);
}
