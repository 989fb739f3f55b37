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
});
