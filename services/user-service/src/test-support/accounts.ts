import { randomBytes } from 'node:crypto';
import type { Role } from '@portcullis/contracts';
import { DEMO_PASSWORD, type TestInstance } from './harness.js';

export interface TestAccount {
  readonly id: string;
  readonly email: string;
  readonly password: string;
}

// One argon2 hash per password and instance: hashing is deliberately slow, and tests create many accounts.
const hashes = new WeakMap<TestInstance, Map<string, Promise<string>>>();

function hashFor(instance: TestInstance, password: string): Promise<string> {
  let known = hashes.get(instance);
  if (known === undefined) hashes.set(instance, (known = new Map()));
  let hash = known.get(password);
  if (hash === undefined) known.set(password, (hash = instance.context.passwords.hash(password)));
  return hash;
}

/**
 * Adds a user of its own to a test, so a test that disables, re-roles or throttles someone leaves the demo users
 * alone. The email is unique per call (reruns on a shared Redis or PostgreSQL never collide); the password is
 * DEMO_PASSWORD unless given. On a database another instance already filled, the existing user is returned.
 */
export async function createTestAccount(instance: TestInstance, options: { role?: Role; email?: string; password?: string } = {}): Promise<TestAccount> {
  const email = options.email ?? `user-${randomBytes(6).toString('hex')}@example.test`;
  const password = options.password ?? DEMO_PASSWORD;
  const { users } = instance.context;
  const created = await users.create({ email, name: email.split('@')[0] ?? email, role: options.role ?? 'USER', passwordHash: await hashFor(instance, password) });
  const row = created ?? (await users.findByEmail(email));
  if (row === null) throw new Error(`test account ${email} could not be created`);
  return { id: row.id, email: row.email, password };
}
