import { parseArgs } from 'node:util';
import { isRole, type Role } from '@portcullis/contracts';
import { createPasswordHasher } from '../passwords/password-hasher.js';
import { SessionStore } from '../sessions/session-store.js';
import { UserStore, normalizeEmail } from '../users/user-store.js';
import { fail, openCliDatabase, readStdin, systemClock } from './cli-context.js';

const USAGE = `Usage:
  npm run user -- create --email EMAIL --role USER|MANAGER|ADMIN [--name NAME]   (password on stdin)
  npm run user -- set-role --email EMAIL --role USER|MANAGER|ADMIN
  npm run user -- disable --email EMAIL
  npm run user -- enable --email EMAIL
  npm run user -- list`;

function parseArguments() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    });
  } catch (error) {
    // An unknown option or a missing value: say so with the usage, not with a stack trace.
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

const { positionals, values } = parseArguments();
const command = positionals[0];

function requiredEmail(): string {
  if (values.email === undefined || !/^[^\s@]+@[^\s@]+$/.test(values.email)) fail(`--email is required.\n${USAGE}`);
  return normalizeEmail(values.email);
}

function requiredRole(): Role {
  if (!isRole(values.role)) fail(`--role must be USER, MANAGER or ADMIN.\n${USAGE}`);
  return values.role;
}

if (command === undefined || !['create', 'set-role', 'disable', 'enable', 'list'].includes(command)) fail(USAGE);

const { config, database } = await openCliDatabase();
const users = new UserStore(database.db, systemClock);
const sessions = new SessionStore(database.db, systemClock, {
  idleSeconds: config.refreshIdleTtlSeconds,
  absoluteSeconds: config.refreshAbsoluteTtlSeconds,
  reuseGraceSeconds: config.refreshReuseGraceSeconds,
});

try {
  switch (command) {
    case 'create': {
      const email = requiredEmail();
      const role = requiredRole();
      const password = await readStdin();
      if (password.length < 12) fail('The password (read from stdin) must be at least 12 characters.');
      const passwords = await createPasswordHasher({ concurrency: 1, queue: 1 });
      const created = await users.create({ email, role, name: values.name ?? email.split('@')[0] ?? email, passwordHash: await passwords.hash(password) });
      if (created === null) fail(`A user with email ${email} already exists.`);
      console.log(`Created ${created.email} (${created.role}), id ${created.id}.`);
      break;
    }
    case 'set-role':
    case 'disable':
    case 'enable': {
      const email = requiredEmail();
      const user = await users.findByEmail(email);
      if (user === null) fail(`No user with email ${email}.`);
      const change = command === 'set-role' ? { role: requiredRole() } : { disabled: command === 'disable' };
      await users.update(user.id, change);
      // Same rule as the HTTP API: a new role or a disabled account ends every session at once.
      const revoked = command === 'enable' ? [] : await sessions.revokeUserSessions(user.id, command === 'disable' ? 'user_disabled' : 'role_changed');
      console.log(`Updated ${email}; ${revoked.length} session(s) revoked.`);
      break;
    }
    case 'list': {
      for (const user of await users.list()) console.log(`${user.email}\t${user.role}\t${user.disabled ? 'disabled' : 'active'}\t${user.id}`);
      break;
    }
  }
} finally {
  await database.close();
}
