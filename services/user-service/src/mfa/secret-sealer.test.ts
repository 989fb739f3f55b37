import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createSecretSealer, SecretSealer } from './secret-sealer.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const newKey = (): string => randomBytes(32).toString('base64url');
const logger = createLogger({ level: 'silent' });

describe('sealing TOTP secrets', () => {
  it('seals with jose dir + A256GCM, naming the key by kid, and opens what it sealed', async () => {
    const sealer = new SecretSealer([newKey()]);
    const sealed = await sealer.seal(SECRET);
    expect(sealed).not.toContain(SECRET);
    expect(decodeProtectedHeader(sealed)).toEqual({ alg: 'dir', enc: 'A256GCM', kid: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) });
    expect(await sealer.open(sealed)).toBe(SECRET);
  });

  it('rotates: a new key first seals from now on, the old one still opens what it sealed; a key removed opens nothing', async () => {
    const [older, newer] = [newKey(), newKey()];
    const before = await new SecretSealer([older]).seal(SECRET);
    const rotated = new SecretSealer([newer, older]);
    expect(await rotated.open(before)).toBe(SECRET);
    const after = await rotated.seal(SECRET);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    expect(await new SecretSealer([newer]).open(before)).toBeNull();
    expect(await new SecretSealer([newer]).open(after)).toBe(SECRET);
  });

  it('opens nothing that was tampered with', async () => {
    const sealer = new SecretSealer([newKey()]);
    const [header, key, iv, ciphertext = '', tag] = (await sealer.seal(SECRET)).split('.');
    const flipped = `${ciphertext.startsWith('A') ? 'B' : 'A'}${ciphertext.slice(1)}`;
    expect(await sealer.open([header, key, iv, flipped, tag].join('.'))).toBeNull();
    expect(await sealer.open('not-a-jwe')).toBeNull();
  });

  describe('without MFA_ENCRYPTION_KEY', () => {
    let dataDir: string;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'portcullis-sealer-'));
    });

    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it('generates one key into DATA_DIR, readable by the service user only, and keeps it across restarts', async () => {
      const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir });
      const sealed = await (await createSecretSealer(config, logger)).seal(SECRET);
      expect((await stat(join(dataDir, 'mfa-encryption.key'))).mode & 0o777).toBe(0o600);
      expect(await (await createSecretSealer(config, logger)).open(sealed)).toBe(SECRET);
    });

    it('uses a key of its own at each start for a throwaway database', async () => {
      const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: 'memory://' });
      const sealed = await (await createSecretSealer(config, logger)).seal(SECRET);
      expect(await (await createSecretSealer(config, logger)).open(sealed)).toBeNull();
    });
  });

  it('uses MFA_ENCRYPTION_KEY when it is set', async () => {
    const key = newKey();
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: 'memory://', MFA_ENCRYPTION_KEY: key });
    const sealed = await (await createSecretSealer(config, logger)).seal(SECRET);
    expect(await new SecretSealer([key]).open(sealed)).toBe(SECRET);
  });
});
