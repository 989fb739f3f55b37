import { SignJWT, exportJWK, generateKeyPair, base64url, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/manual-clock.js';
import { createAccessTokens, type AccessTokens } from './access-token.js';
import { configuredKeyStore } from './signing-keys.js';

const ISSUER = 'http://localhost:4000';
const AUDIENCE = 'portcullis';
const subject = { userId: 'user-1', sid: 'session-1', role: 'USER' as const, scopes: ['profile:read' as const], authTimeSeconds: 1_700_000_000, amr: ['pwd' as const] };

async function privateJwk(alg: 'EdDSA' | 'ES256', kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg };
}

function encode(part: object): string {
  return base64url.encode(JSON.stringify(part));
}

describe('access tokens', () => {
  const clock = new ManualClock(1_800_000_000_000);
  let tokens: AccessTokens;
  let ourJwk: JWK;

  beforeAll(async () => {
    ourJwk = await privateJwk('EdDSA', 'our-key');
    tokens = createAccessTokens({ keys: await configuredKeyStore(JSON.stringify(ourJwk)), issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 900, clock });
  });

  async function forge(header: Record<string, unknown>, claims: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0]): Promise<string> {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({ sid: 'session-1', auth_time: now, role: 'ADMIN', scope: 'users:admin', ...claims })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'our-key', ...header } as { alg: string })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('attacker')
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .setJti('forged')
      .sign(key);
  }

  it('issues an at+jwt with every claim the profile needs, and verifies it back', async () => {
    const { token, expiresAt } = await tokens.issue(subject);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: 'our-key' });
    expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', sid: 'session-1', role: 'USER', scope: 'profile:read', auth_time: 1_700_000_000 });
    expect(payload).toHaveProperty('jti');
    expect(expiresAt).toBe(clock.now() + 900_000);
    await expect(tokens.verify(token)).resolves.toMatchObject({ userId: 'user-1', sid: 'session-1', role: 'USER', scopes: ['profile:read'] });
  });

  it('refuses alg "none"', async () => {
    const now = Math.floor(clock.now() / 1000);
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt', kid: 'our-key' })}.${encode({ iss: ISSUER, aud: AUDIENCE, sub: 'x', sid: 's', jti: 'j', iat: now, exp: now + 60, auth_time: now, role: 'ADMIN', scope: '' })}.`;
    await expect(tokens.verify(unsigned)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('refuses an HMAC token keyed with our public key (algorithm confusion, RFC 8725 §2.1)', async () => {
    const publicX = base64url.decode(ourJwk.x ?? '');
    const forged = await forge({ alg: 'HS256' }, {}, publicX);
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('refuses a token signed by a key that is not ours, even if it names our kid or embeds its own jwk', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    await expect(tokens.verify(await forge({}, {}, privateKey))).rejects.toMatchObject({ code: 'invalid_token' });
    const embedded = await forge({ jwk: await exportJWK(publicKey), kid: 'attacker' }, {}, privateKey);
    await expect(tokens.verify(embedded)).rejects.toMatchObject({ code: 'invalid_token' });
    const viaJku = await forge({ jku: 'https://evil.example/jwks.json', kid: 'attacker' }, {}, privateKey);
    await expect(tokens.verify(viaJku)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('refuses a tampered payload', async () => {
    const { token } = await tokens.issue(subject);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload ?? ''))) as Record<string, unknown>;
    const tampered = `${header}.${encode({ ...claims, role: 'ADMIN', scope: 'users:admin' })}.${signature}`;
    await expect(tokens.verify(tampered)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  async function signWithOurKey(options: { issuer?: string; audience?: string; typ?: string; withExpiry?: boolean }): Promise<string> {
    const { privateKey } = await (await configuredKeyStore(JSON.stringify(ourJwk))).signingKey();
    const now = Math.floor(clock.now() / 1000);
    const jwt = new SignJWT({ sid: 's', auth_time: now, role: 'USER', scope: '' })
      .setProtectedHeader({ alg: 'EdDSA', typ: options.typ ?? 'at+jwt', kid: 'our-key' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject('x')
      .setIssuedAt(now)
      .setJti('j');
    if (options.withExpiry !== false) jwt.setExpirationTime(now + 60);
    return jwt.sign(privateKey);
  }

  it('refuses another issuer, another audience and a token that is not typed at+jwt', async () => {
    await expect(tokens.verify(await signWithOurKey({}))).resolves.toMatchObject({ userId: 'x' });
    await expect(tokens.verify(await signWithOurKey({ issuer: 'https://other.example' }))).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.verify(await signWithOurKey({ audience: 'another-api' }))).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.verify(await signWithOurKey({ typ: 'JWT' }))).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('refuses a token without exp', async () => {
    await expect(tokens.verify(await signWithOurKey({ withExpiry: false }))).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('accepts a token up to 30 s past exp and refuses it after', async () => {
    const { token } = await tokens.issue(subject);
    const start = clock.now();
    clock.advance(900_000 + 29_000);
    await expect(tokens.verify(token)).resolves.toMatchObject({ sid: 'session-1' });
    clock.advance(2_000);
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'invalid_token' });
    clock.advance(start - clock.now());
  });

  it('refuses garbage without throwing anything but invalid_token', async () => {
    for (const garbage of ['', 'a.b.c', 'not-a-jwt', '....', `${encode({ alg: 'EdDSA' })}.e30.`]) {
      await expect(tokens.verify(garbage)).rejects.toMatchObject({ code: 'invalid_token' });
    }
  });

  it('signs with ES256 too', async () => {
    const es = createAccessTokens({
      keys: await configuredKeyStore(JSON.stringify(await privateJwk('ES256', 'es-key'))),
      issuer: ISSUER,
      audience: AUDIENCE,
      ttlSeconds: 60,
      clock,
    });
    const { token } = await es.issue(subject);
    await expect(es.verify(token)).resolves.toMatchObject({ userId: 'user-1' });
    // ...and a verifier holding only the EdDSA key refuses it.
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'invalid_token' });
  });
});
