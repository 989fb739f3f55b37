import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TokenResponse } from '@portcullis/contracts';
import { testBackends, type TestBackend } from '../test-support/databases.js';
import { ALICE, MARIA, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { ManualClock } from '../test-support/manual-clock.js';
import { rotateSigningKey } from './signing-keys.js';

const KEY_RELOAD_MS = 60_000;
const RETIRED_KEY_VISIBLE_MS = 1_860_000;

/** The kids in the JWKS, sorted: keys created in the same millisecond on the test clock have no defined order. */
async function publishedKids(instance: TestInstance): Promise<string[]> {
  return (await publishedKeys(instance)).map((key) => key.kid ?? '').sort();
}

async function publishedKeys(instance: TestInstance): Promise<JWK[]> {
  const response = await instance.request('/.well-known/jwks.json');
  expect(response.status).toBe(200);
  return ((await response.json()) as { keys: JWK[] }).keys;
}

function kidOf(token: string): string | undefined {
  return decodeProtectedHeader(token).kid;
}

async function me(instance: TestInstance, token: string): Promise<number> {
  return (await instance.request('/v1/me', { token })).status;
}

describe.each(testBackends())('signing key rotation on $name', (backend: TestBackend) => {
  let database: Awaited<ReturnType<TestBackend['create']>>;
  let instance: TestInstance;
  let before: TokenResponse;
  let oldKid: string;
  let newKid: string;

  beforeAll(async () => {
    database = await backend.create();
    instance = await startTestInstance(backend, {}, { database });
    before = await instance.login(ALICE);
    oldKid = kidOf(before.accessToken) ?? '';
  });

  afterAll(async () => {
    await instance?.close();
    await database?.drop();
  });

  // The steps below are one story in order: rotate, live with both keys, let the old one age out.
  it('adds a new key and retires the active one', async () => {
    expect(await publishedKids(instance)).toEqual([oldKid]);

    const rotation = await rotateSigningKey(instance.context.database.db, instance.context.config.signingAlg, instance.clock);

    newKid = rotation.kid;
    expect(rotation.retired).toEqual([oldKid]);
    expect(newKid).not.toBe(oldKid);
  });

  it('signs new tokens with the new key once the instance has reloaded its keys (at most a minute)', async () => {
    instance.clock.advance(KEY_RELOAD_MS + 1_000);

    const after = await instance.login(MARIA);

    expect(kidOf(after.accessToken)).toBe(newKid);
    expect(decodeProtectedHeader(after.accessToken)).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(await me(instance, after.accessToken)).toBe(200);
  });

  it('still accepts a token the old key signed before the rotation', async () => {
    expect(kidOf(before.accessToken)).toBe(oldKid);
    expect(await me(instance, before.accessToken)).toBe(200);
  });

  it('publishes both keys, public members only, so other verifiers accept both tokens', async () => {
    const keys = await publishedKeys(instance);
    expect(keys.map((key) => key.kid).sort()).toEqual([newKid, oldKid].sort());
    for (const key of keys) expect(key).not.toHaveProperty('d');

    const jwks = createLocalJWKSet({ keys });
    const options = { issuer: instance.context.config.issuer, audience: instance.context.config.audience, currentDate: new Date(instance.clock.now()) };
    await expect(jwtVerify(before.accessToken, jwks, options)).resolves.toMatchObject({ protectedHeader: { kid: oldKid } });
    const fresh = await instance.login(ALICE);
    await expect(jwtVerify(fresh.accessToken, jwks, options)).resolves.toMatchObject({ protectedHeader: { kid: newKid } });
  });

  it('keeps the retired key published until every token it could have signed has expired', async () => {
    // Retired at the rotation, one minute and a second ago; the longest access token lives 1800 s (+60 s tolerance).
    instance.clock.advance(1_800_000 - (KEY_RELOAD_MS + 1_000));
    expect(await publishedKids(instance)).toEqual([newKid, oldKid].sort());
  });

  it('drops the retired key from the JWKS 1860 s after its retirement, and refuses its tokens', async () => {
    instance.clock.advance(RETIRED_KEY_VISIBLE_MS - 1_800_000 + KEY_RELOAD_MS + 1_000);

    expect(await publishedKids(instance)).toEqual([newKid]);
    expect(await me(instance, before.accessToken)).toBe(401);
  });

  it('rotates again: the previous new key becomes the retired one', async () => {
    const rotation = await rotateSigningKey(instance.context.database.db, instance.context.config.signingAlg, instance.clock);
    instance.clock.advance(KEY_RELOAD_MS + 1_000);

    expect(rotation.retired).toEqual([newKid]);
    expect(await publishedKids(instance)).toEqual([rotation.kid, newKid].sort());
    expect(kidOf((await instance.login(ALICE)).accessToken)).toBe(rotation.kid);
  });
});

describe.skipIf(testBackends().every((backend) => backend.name !== 'postgres'))(
  `signing key rotation across two instances on one PostgreSQL${testBackends().length > 1 ? '' : ' — skipped: DATABASE_URL is not set'}`,
  () => {
    let database: Awaited<ReturnType<TestBackend['create']>>;
    let signer: TestInstance;
    let verifier: TestInstance;

    beforeAll(async () => {
      const backend = testBackends().find((candidate) => candidate.name === 'postgres');
      if (backend === undefined) throw new Error('no PostgreSQL back-end');
      database = await backend.create();
      // Each instance keeps its own time, as separate machines would; the key store's cache ages by it.
      signer = await startTestInstance(backend, {}, { database, clock: new ManualClock() });
      verifier = await startTestInstance(backend, {}, { database, clock: new ManualClock() });
    });

    afterAll(async () => {
      await signer?.close();
      await verifier?.close();
      await database?.drop();
    });

    it('accepts, within seconds, a token signed by a key this instance has not loaded yet', async () => {
      await publishedKeys(verifier);
      const { kid } = await rotateSigningKey(signer.context.database.db, signer.context.config.signingAlg, signer.clock);
      signer.clock.advance(KEY_RELOAD_MS + 1_000);
      const session = await signer.login(ALICE);
      expect(kidOf(session.accessToken)).toBe(kid);

      // An unknown kid makes the verifier look again, at most once every 5 s (so forged kids cannot flood the database).
      verifier.clock.advance(6_000);

      expect(await me(verifier, session.accessToken)).toBe(200);
      expect(await publishedKids(verifier)).toContain(kid);
    });
  },
);
