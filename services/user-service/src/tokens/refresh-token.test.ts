import { CompactEncrypt, compactDecrypt } from 'jose';
import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateRefreshToken, hashRefreshToken, looksLikeRefreshToken, openSuccessor, sealSuccessor } from './refresh-token.js';

describe('refresh tokens', () => {
  it('are 256 random bits in base64url, never repeated', () => {
    const seen = new Set(Array.from({ length: 1000 }, generateRefreshToken));
    expect(seen.size).toBe(1000);
    for (const token of seen) {
      expect(looksLikeRefreshToken(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it('are stored as a SHA-256 hash that does not contain the token', () => {
    const token = generateRefreshToken();
    const hash = hashRefreshToken(token);
    expect(hash).toHaveLength(43);
    expect(hash).not.toContain(token);
    expect(hashRefreshToken(token)).toBe(hash);
  });

  it('seal the successor so only the predecessor opens it', async () => {
    const predecessor = generateRefreshToken();
    const successor = generateRefreshToken();
    const sealed = await sealSuccessor(predecessor, successor);
    expect(sealed).not.toContain(successor);
    await expect(openSuccessor(predecessor, sealed)).resolves.toBe(successor);
    await expect(openSuccessor(generateRefreshToken(), sealed)).resolves.toBeNull();
    await expect(openSuccessor(predecessor, 'garbage')).resolves.toBeNull();
  });

  it('seal as a standard compact JWE (dir, A256GCM), readable by jose and compatible with successors jose sealed', async () => {
    const predecessor = generateRefreshToken();
    const successor = generateRefreshToken();
    const key = new Uint8Array(hkdfSync('sha256', Buffer.from(predecessor, 'utf8'), Buffer.alloc(0), 'portcullis/refresh-successor/v1', 32));
    const { plaintext, protectedHeader } = await compactDecrypt(await sealSuccessor(predecessor, successor), key);
    expect(new TextDecoder().decode(plaintext)).toBe(successor);
    expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM' });
    const sealedByJose = await new CompactEncrypt(new TextEncoder().encode(successor)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(key);
    await expect(openSuccessor(predecessor, sealedByJose)).resolves.toBe(successor);
  });
});
