import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ErrorBody } from '@portcullis/contracts';
import { users } from './db/schema.js';
import { testBackends } from './test-support/databases.js';
import { startTestInstance, type TestInstance } from './test-support/harness.js';

describe.each(testBackends())('database errors in the log, on $name', (backend) => {
  let instance: TestInstance;

  beforeAll(async () => {
    instance = await startTestInstance(backend);
  });

  afterAll(async () => {
    await instance?.close();
  });

  function linesSince(start: number, message: string): string[] {
    return instance.logs.slice(start).filter((line) => line.includes(`"msg":"${message}"`));
  }

  it('logs a query the database refused by its SQLSTATE and call site, never the statement or its parameters', async () => {
    const email = `secret-${randomBytes(6).toString('hex')}@example.com`;
    const password = `secret-password-${randomBytes(6).toString('hex')}`;
    const start = instance.logs.length;
    // A schema the code no longer matches: the sign-in's lookup fails inside the driver, as a bug would.
    await instance.context.database.db.execute(sql`alter table users rename column email to email_renamed`);
    let response: Response;
    try {
      response = await instance.request('/v1/auth/login', { method: 'POST', json: { email, password } });
    } finally {
      await instance.context.database.db.execute(sql`alter table users rename column email_renamed to email`);
    }
    expect(response.status).toBe(500);
    expect(((await response.json()) as ErrorBody).error).toBe('internal_error');

    const [line, ...more] = linesSince(start, 'unexpected error');
    expect(more).toEqual([]);
    const { err } = JSON.parse(line ?? '{}') as { err: Record<string, unknown> };
    expect(err).toMatchObject({ type: 'DrizzleQueryError', cause: { code: '42703', routine: expect.any(String) } });
    expect(err.stack).toMatch(/user-store/);
    for (const leak of [email, password, 'Failed query', '"params"', '"query"', 'email_renamed']) expect(line).not.toContain(leak);
  });

  it('never logs the value a constraint violation quotes back in its detail', async () => {
    const email = `taken-${randomBytes(6).toString('hex')}@example.com`;
    const now = new Date(instance.clock.now());
    const row = { email, name: 'taken', role: 'USER' as const, passwordHash: 'not-a-hash', createdAt: now, updatedAt: now };
    await instance.context.database.db.insert(users).values(row);
    const error = await instance.context.database.db
      .insert(users)
      .values(row)
      .then(
        () => null,
        (failure: unknown) => failure,
      );
    expect(error).toBeInstanceOf(Error);
    const start = instance.logs.length;
    instance.context.logger.error({ err: error }, 'unexpected error');

    const [line = ''] = linesSince(start, 'unexpected error');
    expect(JSON.parse(line)).toMatchObject({ err: { cause: { code: '23505', constraint: 'users_email_unique', table: 'users' } } });
    for (const leak of [email, 'already exists', 'Key (']) expect(line).not.toContain(leak);
  });

  it('keeps the message of an error that does not come from the database', () => {
    const start = instance.logs.length;
    instance.context.logger.error({ err: new TypeError('the signing key is missing') }, 'unexpected error');
    const [line = ''] = linesSince(start, 'unexpected error');
    expect(JSON.parse(line)).toMatchObject({ err: { type: 'TypeError', message: 'the signing key is missing' } });
  });
});
