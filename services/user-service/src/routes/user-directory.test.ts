import { randomBytes } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { AdminUser, ErrorBody, Role, TokenResponse, UserDirectoryPage, UserStatus } from '@portcullis/contracts';
import { users } from '../db/schema.js';
import { testBackends } from '../test-support/databases.js';
import { ADAM, startTestInstance, type TestInstance } from '../test-support/harness.js';

const DIRECTORY_SIZE = 10_000;
const ROLES_IN_TURN: readonly Role[] = ['USER', 'USER', 'MANAGER', 'ADMIN'];

/** The status the seeded user number `index` has: a few of each, decided by the number alone so the test can count. */
function seededStatus(index: number): UserStatus {
  if (index % 13 === 0) return 'disabled';
  if (index % 10 === 0) return 'invited';
  if (index % 7 === 0) return 'unverified';
  return 'active';
}

async function page(instance: TestInstance, token: string, query: string): Promise<UserDirectoryPage> {
  const response = await instance.request(`/v1/users?${query}`, { token });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as UserDirectoryPage;
}

/** Every user matching `query`, following `nextCursor` page by page to the end. */
async function everyPage(instance: TestInstance, token: string, query: string): Promise<{ users: AdminUser[]; pages: number }> {
  const found: AdminUser[] = [];
  let pages = 0;
  for (let cursor: string | null = ''; cursor !== null; pages += 1) {
    const answer = await page(instance, token, [query, 'limit=100', cursor === '' ? '' : `cursor=${cursor}`].filter(Boolean).join('&'));
    found.push(...answer.users);
    cursor = answer.nextCursor;
  }
  return { users: found, pages };
}

describe.each(testBackends())('the user directory at 10,000 users, on $name', (backend) => {
  let instance: TestInstance;
  let adam: TokenResponse;
  /** This run's users share a random tag, so searches can count exactly what they should find. */
  const tag = `dir${randomBytes(4).toString('hex')}`;
  const emailOf = (index: number) => `${tag}-${String(index).padStart(5, '0')}@example.test`;

  beforeAll(async () => {
    instance = await startTestInstance(backend);
    adam = await instance.login(ADAM);
    const now = new Date(instance.clock.now());
    // One multi-row insert per thousand users: seeding goes straight to the table, the API is what is under test.
    for (let start = 0; start < DIRECTORY_SIZE; start += 1000) {
      const rows = Array.from({ length: 1000 }, (_, offset) => {
        const index = start + offset;
        const status = seededStatus(index);
        return {
          email: emailOf(index),
          name: `Person ${String(index).padStart(5, '0')}`,
          role: ROLES_IN_TURN[index % ROLES_IN_TURN.length] ?? 'USER',
          passwordHash: status === 'invited' ? null : 'seeded, never used to sign in',
          disabled: status === 'disabled',
          emailVerifiedAt: status === 'invited' || status === 'unverified' ? null : now,
          invitedAt: status === 'invited' ? now : null,
          createdAt: now,
          updatedAt: now,
        };
      });
      await instance.context.database.db.insert(users).values(rows);
    }
  }, 120_000);

  afterAll(async () => {
    await instance?.close();
  });

  it('answers the first page by email, 50 users unless asked, with a cursor to the next', async () => {
    const first = await page(instance, adam.accessToken, '');
    expect(first.users).toHaveLength(50);
    const emails = first.users.map((user) => user.email);
    expect(emails).toEqual([...emails].sort());
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  it('returns every user exactly once when the cursors are followed to the end', async () => {
    const everyone = (await instance.context.users.list()).map((row) => row.email);
    const { users: walked, pages } = await everyPage(instance, adam.accessToken, '');
    const emails = walked.map((user) => user.email);
    expect(emails).toHaveLength(everyone.length);
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails).toEqual(everyone);
    expect(pages).toBe(Math.ceil(everyone.length / 100));
  }, 120_000);

  it('is stable under inserts: a user added before the cursor does not shift the next page, one after it appears once', async () => {
    const first = await page(instance, adam.accessToken, `q=${tag}&limit=100`);
    const lastShown = first.users.at(-1)?.email ?? '';
    await instance.context.users.create({ email: `${tag}-00000a@example.test`, name: 'Early', role: 'USER', passwordHash: 'seeded' });
    await instance.context.users.create({ email: `${tag}-00100a@example.test`, name: 'Late', role: 'USER', passwordHash: 'seeded' });

    const second = await page(instance, adam.accessToken, `q=${tag}&limit=100&cursor=${first.nextCursor ?? ''}`);
    expect(second.users[0]?.email).toBe(`${tag}-00100@example.test`);
    expect(second.users[1]?.email).toBe(`${tag}-00100a@example.test`);
    expect(second.users.every((user) => user.email > lastShown)).toBe(true);
  });

  it('searches email and name as a case-insensitive substring', async () => {
    const byName = await page(instance, adam.accessToken, `q=${encodeURIComponent('PERSON 0123')}&limit=100`);
    expect(byName.users.map((user) => user.name)).toEqual(Array.from({ length: 10 }, (_, digit) => `Person 0123${digit}`));
    const byEmail = await page(instance, adam.accessToken, `q=${tag.toUpperCase()}-09999`);
    expect(byEmail.users.map((user) => user.email)).toEqual([emailOf(9999)]);
  });

  it("takes % and _ in a search as themselves, not as LIKE's wildcards", async () => {
    expect((await page(instance, adam.accessToken, `q=${encodeURIComponent('%')}`)).users).toEqual([]);
    expect((await page(instance, adam.accessToken, `q=${encodeURIComponent(`${tag}_0`)}`)).users).toEqual([]);
  });

  it.each(['invited', 'unverified', 'active', 'disabled'] as const)(
    'filters by status %s, derived from the account',
    async (status) => {
      const { users: found } = await everyPage(instance, adam.accessToken, `q=Person&status=${status}`);
      const expected = Array.from({ length: DIRECTORY_SIZE }, (_, index) => index).filter((index) => seededStatus(index) === status);
      expect(found.map((user) => user.email)).toEqual(expected.map(emailOf));
      expect(found.every((user) => user.status === status && user.disabled === (status === 'disabled'))).toBe(true);
      if (status === 'invited') expect(found.every((user) => user.invitedAt !== null && user.emailVerifiedAt === null)).toBe(true);
    },
    60_000,
  );

  it('combines a role with a status and a search', async () => {
    const { users: found } = await everyPage(instance, adam.accessToken, `q=Person&role=MANAGER&status=disabled`);
    const expected = Array.from({ length: DIRECTORY_SIZE }, (_, index) => index).filter(
      (index) => ROLES_IN_TURN[index % ROLES_IN_TURN.length] === 'MANAGER' && seededStatus(index) === 'disabled',
    );
    expect(found.map((user) => user.email)).toEqual(expected.map(emailOf));
  });

  it('names the accounts behind a list of ids', async () => {
    const some = (await page(instance, adam.accessToken, `q=${tag}-0004&limit=3`)).users;
    const found = await page(instance, adam.accessToken, `ids=${some.map((user) => user.id).join(',')}`);
    expect(found.users.map((user) => user.id)).toEqual(some.map((user) => user.id));
  });

  it.each([
    ['a cursor it never handed out', 'cursor=not*base64'],
    ['a cursor that decodes to text with a NUL', `cursor=${Buffer.from('a\u0000@example.test', 'utf8').toString('base64url')}`],
    ['a cursor that decodes to something other than UTF-8', `cursor=${Buffer.from([0xff, 0x40, 0x61]).toString('base64url')}`],
    ['a page larger than 100', 'limit=101'],
    ['an unknown status', 'status=sleeping'],
    ['an id that is not a UUID', 'ids=1,2'],
    ['more than 25 ids', `ids=${Array.from({ length: 26 }, () => '00000000-0000-4000-8000-000000000000').join(',')}`],
  ])('refuses %s with 400 invalid_request', async (_what, query) => {
    const response = await instance.request(`/v1/users?${query}`, { token: adam.accessToken });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error).toBe('invalid_request');
  });
});
