import { randomUUID } from 'node:crypto';
import { desc, gt, isNull, or, sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { signingKeys } from '../db/schema.js';

export type SigningAlg = 'EdDSA' | 'ES256';

interface LoadedKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKey: CryptoKey | undefined;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  /** Private JWK, for the OpenID Provider's keystore (it signs with our key; docs/sso.md). */
  readonly privateJwk: JWK;
  readonly retiredAt: number | null;
  readonly createdAt: number;
}

export interface SigningKeyStore {
  /** The newest active key, used to sign every new access token. */
  signingKey(): Promise<{ kid: string; alg: SigningAlg; privateKey: CryptoKey }>;
  /** The public key for a `kid`; `kid` is untrusted input (RFC 8725 §3.10), so only our own keys are ever returned. */
  verificationKey(kid: string): Promise<{ alg: SigningAlg; publicKey: CryptoKey } | null>;
  /** Public keys in the JWKS: active ones, and retired ones until tokens they signed have expired. */
  jwks(): Promise<{ keys: JWK[] }>;
  /**
   * The same keys as private JWKs for the OpenID Provider's keystore: the active one first, retired ones marked
   * verify-only so the provider never signs with them but still publishes them.
   */
  providerKeys(): Promise<{ activeKid: string; alg: SigningAlg; keys: JWK[] }>;
}

function providerKeysOf(keys: readonly LoadedKey[]): { activeKid: string; alg: SigningAlg; keys: JWK[] } {
  const active = keys.find((key) => key.retiredAt === null && key.privateKey !== undefined);
  if (active === undefined) throw new Error('No active signing key: run `npm run keys -- rotate`.');
  const retired = keys.filter((key) => key !== active);
  return {
    activeKid: active.kid,
    alg: active.alg,
    keys: [
      { ...active.privateJwk, kid: active.kid, alg: active.alg, use: 'sig' },
      ...retired.map((key) => ({ ...key.privateJwk, kid: key.kid, alg: key.alg, use: 'sig', key_ops: ['verify'] })),
    ],
  };
}

// Long enough for any token signed before a rotation to expire (ACCESS_TOKEN_TTL ≤ 1800 s) plus clock tolerance.
const RETIRED_KEY_VISIBLE_MS = (1800 + 60) * 1000;
const RELOAD_EVERY_MS = 60_000;
const UNKNOWN_KID_RELOAD_MIN_MS = 5_000;
// Any constant works; all instances must agree so that only one creates the first key.
const KEY_CREATION_LOCK_ID = 7_214_002;

async function newKeyRow(alg: SigningAlg, now: number) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const kid = randomUUID();
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateJwk, publicJwk, createdAt: new Date(now), retiredAt: null };
}

/** Creates the first signing key when none is active; safe when several instances start at once. */
export async function ensureSigningKey(db: Db, alg: SigningAlg, clock: Clock): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_CREATION_LOCK_ID})`);
    const active = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(isNull(signingKeys.retiredAt)).limit(1);
    if (active.length === 0) await tx.insert(signingKeys).values(await newKeyRow(alg, clock.now()));
  });
}

/** Adds a new signing key and retires the others; retired keys stay in the JWKS until their tokens have expired. */
export async function rotateSigningKey(db: Db, alg: SigningAlg, clock: Clock): Promise<{ kid: string; retired: string[] }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_CREATION_LOCK_ID})`);
    const row = await newKeyRow(alg, clock.now());
    const retired = await tx
      .update(signingKeys)
      .set({ retiredAt: new Date(clock.now()) })
      .where(isNull(signingKeys.retiredAt))
      .returning({ kid: signingKeys.kid });
    await tx.insert(signingKeys).values(row);
    return { kid: row.kid, retired: retired.map((key) => key.kid) };
  });
}

async function importRow(row: { kid: string; alg: SigningAlg; privateJwk: unknown; publicJwk: unknown; createdAt: Date; retiredAt: Date | null }): Promise<LoadedKey> {
  const publicJwk = row.publicJwk as JWK;
  return {
    kid: row.kid,
    alg: row.alg,
    privateKey: row.retiredAt === null ? ((await importJWK(row.privateJwk as JWK, row.alg)) as CryptoKey) : undefined,
    publicKey: (await importJWK(publicJwk, row.alg)) as CryptoKey,
    publicJwk: { kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y, kid: row.kid, alg: row.alg, use: 'sig' },
    privateJwk: row.privateJwk as JWK,
    retiredAt: row.retiredAt?.getTime() ?? null,
    createdAt: row.createdAt.getTime(),
  };
}

/** Keys from the database, cached and reloaded periodically and (rate-limited) when an unknown `kid` arrives. */
export function databaseKeyStore(db: Db, clock: Clock): SigningKeyStore {
  let keys: readonly LoadedKey[] = [];
  let loadedAt = -Infinity;
  let pending: Promise<readonly LoadedKey[]> | undefined;

  function reload(): Promise<readonly LoadedKey[]> {
    // Single flight: every caller during a reload shares one query.
    pending ??= (async () => {
      try {
        const since = new Date(clock.now() - RETIRED_KEY_VISIBLE_MS);
        const rows = await db
          .select()
          .from(signingKeys)
          .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, since)))
          .orderBy(desc(signingKeys.createdAt));
        keys = await Promise.all(rows.map(importRow));
        loadedAt = clock.now();
        return keys;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  }

  async function current(): Promise<readonly LoadedKey[]> {
    return clock.now() - loadedAt > RELOAD_EVERY_MS ? reload() : keys;
  }

  return {
    async signingKey() {
      const active = (await current()).find((key) => key.retiredAt === null && key.privateKey !== undefined);
      if (active?.privateKey === undefined) throw new Error('No active signing key: run `npm run keys -- rotate`.');
      return { kid: active.kid, alg: active.alg, privateKey: active.privateKey };
    },
    async verificationKey(kid) {
      let found = (await current()).find((key) => key.kid === kid);
      if (found === undefined && clock.now() - loadedAt > UNKNOWN_KID_RELOAD_MIN_MS) {
        found = (await reload()).find((key) => key.kid === kid);
      }
      return found === undefined ? null : { alg: found.alg, publicKey: found.publicKey };
    },
    async jwks() {
      return { keys: (await current()).map((key) => key.publicJwk) };
    },
    async providerKeys() {
      return providerKeysOf(await current());
    },
  };
}

/** A single key given in configuration (`SIGNING_KEY`, a private JWK with `kid` and `alg`). */
export async function configuredKeyStore(privateJwkText: string): Promise<SigningKeyStore> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJwkText) as JWK;
  } catch {
    throw new Error('SIGNING_KEY: must be a private JWK in JSON');
  }
  const alg: SigningAlg | undefined = jwk.alg === 'EdDSA' ? 'EdDSA' : jwk.alg === 'ES256' ? 'ES256' : undefined;
  if (alg === undefined || typeof jwk.kid !== 'string' || typeof jwk.d !== 'string') {
    throw new Error('SIGNING_KEY: must be a private EdDSA or ES256 JWK with "kid" and "alg"');
  }
  const loaded = await importRow({ kid: jwk.kid, alg, privateJwk: jwk, publicJwk: { ...jwk, d: undefined }, createdAt: new Date(0), retiredAt: null });
  return {
    signingKey: async () => ({ kid: loaded.kid, alg, privateKey: loaded.privateKey as CryptoKey }),
    verificationKey: async (kid) => (kid === loaded.kid ? { alg, publicKey: loaded.publicKey } : null),
    jwks: async () => ({ keys: [loaded.publicJwk] }),
    providerKeys: async () => providerKeysOf([loaded]),
  };
}
