import type { Role } from '@portcullis/contracts';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { UserStore } from './user-store.js';

const DEMO_USERS: ReadonlyArray<{ email: string; name: string; role: Role }> = [
  { email: 'alice@example.com', name: 'Alice User', role: 'USER' },
  { email: 'maria@example.com', name: 'Maria Manager', role: 'MANAGER' },
  { email: 'adam@example.com', name: 'Adam Admin', role: 'ADMIN' },
];

/** Creates the demo users, or resets their role, password and enabled state. Never used in production. */
export async function seedDemoUsers(users: UserStore, passwords: PasswordHasher, password: string): Promise<void> {
  const passwordHash = await passwords.hash(password);
  for (const demo of DEMO_USERS) await users.upsert({ ...demo, passwordHash });
}
