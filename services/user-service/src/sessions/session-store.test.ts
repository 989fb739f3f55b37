import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database.js';
import { refreshTokens } from '../db/schema.js';
import { POSTGRES_SKIP_REASON, testBackends } from '../test-support/databases.js';
import { ManualClock } from '../test-support/manual-clock.js';
import { UserStore, type UserRow } from '../users/user-store.js';
import { SessionStore, type RotationOutcome } from './session-store.js';

const lifetimes = { idleSeconds: 3600, absoluteSeconds: 4 * 3600, reuseGraceSeconds: 30 };
const client = { ip: '203.0.113.7', userAgent: 'vitest' };

function rotatedToken(outcome: RotationOutcome): string {
  if (outcome.kind !== 'rotated') throw new Error(`expected a rotation, got ${outcome.kind}`);
  return outcome.refreshToken.token;
}

if (testBackends().length === 1) console.info(`[session-store] ${POSTGRES_SKIP_REASON}`);

describe.each(testBackends())('refresh-token rotation on $name', (backend) => {
  const clock = new ManualClock(1_800_000_000_000);
  let drop: () => Promise<void>;
  let first: Database;
  let second: Database;
  let store: SessionStore;
  let otherInstance: SessionStore;
  let user: UserRow;

  beforeAll(async () => {
    const database = await backend.create();
    drop = database.drop;
    const target =
      'DATABASE_URL' in database.env ? { kind: 'postgres' as const, url: database.env.DATABASE_URL ?? '' } : { kind: 'pglite' as const, dataDir: 'memory://' };
    first = await openDatabase(target);
    // On PostgreSQL a second pool plays a second service instance; PGlite is one process, so it shares the first.
    second = backend.name === 'postgres' ? await openDatabase(target) : first;
    store = new SessionStore(first.db, clock, lifetimes);
    otherInstance = new SessionStore(second.db, clock, lifetimes);
    const created = await new UserStore(first.db, clock).create({ email: 'rotation@example.com', name: 'Rotation', role: 'USER', passwordHash: 'unused' });
    if (created === null) throw new Error('user not created');
    user = created;
  });

  afterAll(async () => {
    if (second !== first) await second.close();
    await first.close();
    await drop();
  });

  async function familySize(sessionId: string): Promise<number> {
    return (await first.db.select({ id: refreshTokens.id }).from(refreshTokens).where(eq(refreshTokens.sessionId, sessionId))).length;
  }

  it('exchanges a refresh token for a new one and keeps the original auth_time', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    clock.advance(60_000);
    const outcome = await store.rotateRefreshToken(refreshToken.token, client);
    expect(outcome.kind).toBe('rotated');
    if (outcome.kind !== 'rotated') return;
    expect(outcome.refreshToken.token).not.toBe(refreshToken.token);
    expect(outcome.graceRetry).toBe(false);
    expect(outcome.session.authTime.getTime()).toBe(session.authTime.getTime());
    expect(outcome.session.lastUsedAt.getTime()).toBe(clock.now());
  });

  it('gives the same successor to a retry of the predecessor within the grace window, without revoking', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    const successor = rotatedToken(await store.rotateRefreshToken(refreshToken.token, client));
    clock.advance(29_000);
    const retry = await store.rotateRefreshToken(refreshToken.token, client);
    expect(retry).toMatchObject({ kind: 'rotated', graceRetry: true });
    expect(rotatedToken(retry)).toBe(successor);
    expect(await familySize(session.id)).toBe(2);
    expect(await store.findActiveSession(session.id)).not.toBeNull();
  });

  it('honours a grace retry from the same client in the same IPv6 /64, whatever its interface identifier', async () => {
    const phone = { ip: '2001:db8:1:2::10', userAgent: 'phone' };
    const { session, refreshToken } = await store.createSession(user, phone);
    const successor = rotatedToken(await store.rotateRefreshToken(refreshToken.token, phone));
    const retry = await store.rotateRefreshToken(refreshToken.token, { ip: '2001:db8:1:2:aaaa:bbbb:cccc:dddd', userAgent: 'phone' });
    expect(retry).toMatchObject({ kind: 'rotated', graceRetry: true });
    expect(rotatedToken(retry)).toBe(successor);
    expect(await store.findActiveSession(session.id)).not.toBeNull();
  });

  it('treats a grace retry from another address as reuse: the family is revoked, the thief gets nothing', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    const successor = rotatedToken(await store.rotateRefreshToken(refreshToken.token, client));
    clock.advance(1_000);
    const thief = await store.rotateRefreshToken(refreshToken.token, { ip: '198.51.100.66', userAgent: client.userAgent });
    expect(thief).toMatchObject({ kind: 'reuse_detected', cause: 'other_client' });
    expect(await store.findActiveSession(session.id)).toBeNull();
    expect(await store.rotateRefreshToken(successor, client)).toMatchObject({ kind: 'refused', reason: 'revoked' });
  });

  it('treats a grace retry with another user agent from the same address as reuse, even after a genuine retry', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    const successor = rotatedToken(await otherInstance.rotateRefreshToken(refreshToken.token, client));
    expect(rotatedToken(await store.rotateRefreshToken(refreshToken.token, client))).toBe(successor);
    expect(await store.rotateRefreshToken(refreshToken.token, { ip: client.ip, userAgent: 'curl/8' })).toMatchObject({ kind: 'reuse_detected', cause: 'other_client' });
    expect(await store.findActiveSession(session.id)).toBeNull();
  });

  it('revokes the whole family when the predecessor comes back after the grace window', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    const successor = rotatedToken(await store.rotateRefreshToken(refreshToken.token, client));
    clock.advance(31_000);
    expect(await store.rotateRefreshToken(refreshToken.token, client)).toMatchObject({ kind: 'reuse_detected', cause: 'past_grace' });
    expect(await store.findActiveSession(session.id)).toBeNull();
    expect(await store.rotateRefreshToken(successor, client)).toMatchObject({ kind: 'refused', reason: 'revoked' });
  });

  it('revokes the whole family when a token comes back after its successor was used, even within the grace window', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    const successor = rotatedToken(await store.rotateRefreshToken(refreshToken.token, client));
    rotatedToken(await store.rotateRefreshToken(successor, client));
    expect(await store.rotateRefreshToken(refreshToken.token, client)).toMatchObject({ kind: 'reuse_detected' });
    expect(await store.findActiveSession(session.id)).toBeNull();
  });

  it('accepts only the immediate predecessor: an older token is reuse even within the grace window', async () => {
    const { refreshToken: grandparent } = await store.createSession(user, client);
    const parent = rotatedToken(await store.rotateRefreshToken(grandparent.token, client));
    rotatedToken(await store.rotateRefreshToken(parent, client));
    expect(await store.rotateRefreshToken(grandparent.token, client)).toMatchObject({ kind: 'reuse_detected', cause: 'not_latest' });
  });

  it('refuses unknown tokens, revoked sessions, and both lifetimes', async () => {
    expect(await store.rotateRefreshToken('A'.repeat(43), client)).toMatchObject({ kind: 'refused', reason: 'unknown' });

    const revoked = await store.createSession(user, client);
    await store.revokeSession(revoked.session.id, 'logout');
    expect(await store.rotateRefreshToken(revoked.refreshToken.token, client)).toMatchObject({ kind: 'refused', reason: 'revoked' });

    const idle = await store.createSession(user, client);
    clock.advance(lifetimes.idleSeconds * 1000 + 1);
    expect(await store.rotateRefreshToken(idle.refreshToken.token, client)).toMatchObject({ kind: 'refused', reason: 'expired' });

    // Rotating every half hour keeps the idle timer fresh but cannot pass the absolute lifetime (OWASP ASVS 5.0 §7.3).
    let current = (await store.createSession(user, client)).refreshToken.token;
    let last: RotationOutcome | undefined;
    for (let elapsed = 0; elapsed <= lifetimes.absoluteSeconds; elapsed += 1800) {
      clock.advance(1_800_000);
      last = await store.rotateRefreshToken(current, client);
      if (last.kind !== 'rotated') break;
      current = last.refreshToken.token;
    }
    expect(last).toMatchObject({ kind: 'refused', reason: 'expired' });
  });

  it('refuses refreshes of a disabled user', async () => {
    const created = await new UserStore(first.db, clock).create({ email: 'soon-disabled@example.com', name: 'D', role: 'USER', passwordHash: 'unused' });
    if (created === null) throw new Error('user not created');
    const { refreshToken } = await store.createSession(created, client);
    await new UserStore(first.db, clock).update(created.id, { disabled: true });
    expect(await store.rotateRefreshToken(refreshToken.token, client)).toMatchObject({ kind: 'refused', reason: 'user_disabled' });
  });

  it('never forks a family under concurrent refreshes of one token, across instances', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? store : otherInstance).rotateRefreshToken(refreshToken.token, client)),
    );
    const successors = new Set(outcomes.map(rotatedToken));
    expect(successors.size).toBe(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'rotated' && !outcome.graceRetry)).toHaveLength(1);
    expect(await familySize(session.id)).toBe(2);

    // The next generation behaves the same, and the session is still alive.
    const [successor] = [...successors];
    const next = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? otherInstance : store).rotateRefreshToken(successor ?? '', client)));
    expect(new Set(next.map(rotatedToken)).size).toBe(1);
    expect(await familySize(session.id)).toBe(3);
    expect(await store.findActiveSession(session.id)).not.toBeNull();
  });

  it('detects reuse exactly once when a stale token races its family', async () => {
    const { session, refreshToken } = await store.createSession(user, client);
    const successor = rotatedToken(await store.rotateRefreshToken(refreshToken.token, client));
    rotatedToken(await store.rotateRefreshToken(successor, client));
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? store : otherInstance).rotateRefreshToken(refreshToken.token, client)),
    );
    // The first request to take the row lock revokes; the others find the session revoked. None gets a token.
    expect(outcomes.every((outcome) => outcome.kind !== 'rotated')).toBe(true);
    expect(outcomes.filter((outcome) => outcome.kind === 'reuse_detected')).toHaveLength(1);
    expect(await store.findActiveSession(session.id)).toBeNull();
  });

  it("lists a user's active sessions and revokes one only for its owner", async () => {
    const other = await new UserStore(first.db, clock).create({ email: 'owner-check@example.com', name: 'O', role: 'USER', passwordHash: 'unused' });
    if (other === null) throw new Error('user not created');
    const mine = await store.createSession(other, client);
    expect((await store.listActiveSessions(other.id)).map((row) => row.id)).toEqual([mine.session.id]);
    expect(await store.revokeSession(mine.session.id, 'revoked_by_user', { userId: user.id })).toBeNull();
    expect(await store.revokeSession(mine.session.id, 'revoked_by_user', { userId: other.id })).not.toBeNull();
    expect(await store.listActiveSessions(other.id)).toEqual([]);
  });
});
