import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database.js';
import { oidcArtifacts, pendingSignIns, refreshTokens, sessions, webauthnChallenges } from '../db/schema.js';
import { createLogger } from '../logger.js';
import { testBackends } from '../test-support/databases.js';
import { ManualClock } from '../test-support/manual-clock.js';
import { UserStore, type UserRow } from '../users/user-store.js';
import { SessionPruner } from './session-pruner.js';
import { SessionStore } from './session-store.js';

const HOUR = 3_600_000;
const lifetimes = { idleSeconds: 3600, absoluteSeconds: 4 * 3600, reuseGraceSeconds: 30 };
const client = { ip: '203.0.113.9', userAgent: 'vitest' };

describe.each(testBackends())('pruning ended sessions and expired tokens on $name', (backend) => {
  const clock = new ManualClock(1_800_000_000_000);
  let drop: () => Promise<void>;
  let database: Database;
  let store: SessionStore;
  let pruner: SessionPruner;
  let user: UserRow;

  beforeAll(async () => {
    const created = await backend.create();
    drop = created.drop;
    database = await openDatabase('DATABASE_URL' in created.env ? { kind: 'postgres', url: created.env.DATABASE_URL ?? '' } : { kind: 'pglite', dataDir: 'memory://' });
    store = new SessionStore(database.db, clock, lifetimes);
    pruner = new SessionPruner(database.db, clock, createLogger({ level: 'silent' }), { retentionSeconds: 3600, batchSize: 2, maxBatches: 100 });
    const row = await new UserStore(database.db, clock).create({ email: 'pruning@example.com', name: 'P', role: 'USER', passwordHash: 'unused' });
    if (row === null) throw new Error('user not created');
    user = row;
  });

  afterAll(async () => {
    await database.close();
    await drop();
  });

  async function tokensOf(sessionId: string): Promise<number> {
    const [row] = await database.db.select({ n: count() }).from(refreshTokens).where(eq(refreshTokens.sessionId, sessionId));
    return row?.n ?? 0;
  }

  async function sessionExists(sessionId: string): Promise<boolean> {
    return (await database.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, sessionId))).length === 1;
  }

  it('deletes sessions once they have been revoked or expired for longer than the retention, tokens included', async () => {
    const revoked = await store.createSession(user, client);
    const idle = await store.createSession(user, client);
    const alive = await store.createSession(user, client);
    await store.revokeSession(revoked.session.id, 'logout');

    // Within the retention nothing goes, not even the revoked session.
    expect(await pruner.pruneOnce()).toEqual({ sessions: 0, refreshTokens: 0, oidcArtifacts: 0, pendingSignIns: 0, webauthnChallenges: 0 });

    // The live session keeps refreshing; the idle one expires after an hour and is kept one more hour.
    clock.advance(50 * 60_000);
    const next = await store.rotateRefreshToken(alive.refreshToken.token, client);
    expect(next.kind).toBe('rotated');
    clock.advance(HOUR + 15 * 60_000);
    const result = await pruner.pruneOnce();
    expect(result.sessions).toBeGreaterThanOrEqual(2);
    expect(await sessionExists(revoked.session.id)).toBe(false);
    expect(await sessionExists(idle.session.id)).toBe(false);
    expect(await tokensOf(idle.session.id)).toBe(0);
    expect(await sessionExists(alive.session.id)).toBe(true);
  });

  it('drops expired predecessors inside a live session and keeps the current token working', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    let current = refreshToken.token;
    // Rotate every 50 minutes for three hours: each predecessor expires an hour after it was issued.
    for (let step = 0; step < 4; step += 1) {
      clock.advance(50 * 60_000);
      const outcome = await store.rotateRefreshToken(current, client);
      if (outcome.kind !== 'rotated') throw new Error(`rotation ${step} refused: ${outcome.kind}`);
      current = outcome.refreshToken.token;
    }
    expect(await tokensOf(session.id)).toBe(5);
    const result = await pruner.pruneOnce();
    expect(result.refreshTokens).toBeGreaterThanOrEqual(1);
    expect(await tokensOf(session.id)).toBeLessThan(5);
    // The current token and its immediate predecessor (still within its lifetime) are never pruned.
    expect(await tokensOf(session.id)).toBeGreaterThanOrEqual(2);
    expect((await store.rotateRefreshToken(current, client)).kind).toBe('rotated');
  });

  it('shares one pass between concurrent callers and works through more rows than one batch', async () => {
    for (let index = 0; index < 5; index += 1) {
      const { session } = await store.createSession(user, client);
      await store.revokeSession(session.id, 'logout');
    }
    clock.advance(2 * HOUR);
    const [first, second] = await Promise.all([pruner.pruneOnce(), pruner.pruneOnce()]);
    expect(first).toBe(second);
    expect(first?.sessions).toBeGreaterThanOrEqual(5);
  });

  it("deletes the OpenID Provider's artifacts once they have been expired for longer than the retention", async () => {
    const expiresAt = (offsetMs: number) => new Date(clock.now() + offsetMs);
    await database.db.insert(oidcArtifacts).values([
      { model: 'AuthorizationCode', idHash: 'expired-code', payload: {}, expiresAt: expiresAt(-2 * HOUR) },
      { model: 'RefreshToken', idHash: 'recently-expired', payload: {}, expiresAt: expiresAt(-HOUR / 2) },
      { model: 'Session', idHash: 'alive', payload: {}, expiresAt: expiresAt(HOUR) },
    ]);
    expect((await pruner.pruneOnce()).oidcArtifacts).toBe(1);
    const left = await database.db.select({ idHash: oidcArtifacts.idHash }).from(oidcArtifacts);
    expect(left.map((row) => row.idHash).sort()).toEqual(['alive', 'recently-expired']);
  });

  it('deletes pending sign-ins and WebAuthn challenges once they have been expired for longer than the retention', async () => {
    const at = (offsetMs: number) => new Date(clock.now() + offsetMs);
    const pending = (tokenHash: string, expiresAt: Date) => ({
      tokenHash,
      userId: user.id,
      stage: 'second_factor' as const,
      amr: ['pwd'],
      createdAt: at(-3 * HOUR),
      expiresAt,
    });
    await database.db.insert(pendingSignIns).values([pending('expired-sign-in', at(-2 * HOUR)), pending('live-sign-in', at(HOUR))]);
    const challenge = (challengeHash: string, expiresAt: Date) => ({
      challengeHash,
      purpose: 'passkey_sign_in' as const,
      boundTo: 'ceremony',
      createdAt: at(-3 * HOUR),
      expiresAt,
    });
    await database.db.insert(webauthnChallenges).values([challenge('expired-challenge', at(-2 * HOUR)), challenge('live-challenge', at(HOUR))]);
    expect(await pruner.pruneOnce()).toMatchObject({ pendingSignIns: 1, webauthnChallenges: 1 });
    expect((await database.db.select({ tokenHash: pendingSignIns.tokenHash }).from(pendingSignIns)).map((row) => row.tokenHash)).toEqual(['live-sign-in']);
    expect((await database.db.select({ hash: webauthnChallenges.challengeHash }).from(webauthnChallenges)).map((row) => row.hash)).toEqual(['live-challenge']);
  });
});
