import { parseArgs } from 'node:util';
import { isRole, type Role } from '@portcullis/contracts';
import { ALL_LINK_PURPOSES, AccountTokens } from '../accounts/account-tokens.js';
import { invite } from '../accounts/invitations.js';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import { createLogger } from '../logger.js';
import { MailOutbox } from '../mail/outbox.js';
import { MailTemplates } from '../mail/templates.js';
import { createMetrics } from '../metrics.js';
import { createPasswordHasher } from '../passwords/password-hasher.js';
import { createPasswordPolicy, weakPassword } from '../passwords/password-policy.js';
import { SessionRevocation } from '../sessions/revocation.js';
import { SessionStore } from '../sessions/session-store.js';
import { UserStore, normalizeEmail } from '../users/user-store.js';
import { cliAuditLog, fail, openCliDatabase, readStdin, systemClock } from './cli-context.js';

export const USER_USAGE = `Usage:
  portcullis-user-service user create --email EMAIL --role USER|MANAGER|ADMIN [--name NAME]   (password on stdin)
  portcullis-user-service user invite --email EMAIL [--role USER|MANAGER|ADMIN]   (mails a link to choose a password; role USER by default)
  portcullis-user-service user set-password --email EMAIL   (password on stdin; ends every session of the user)
  portcullis-user-service user set-role --email EMAIL --role USER|MANAGER|ADMIN
  portcullis-user-service user disable --email EMAIL
  portcullis-user-service user enable --email EMAIL
  portcullis-user-service user list`;

function parseArguments(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    });
  } catch (error) {
    // An unknown option or a missing value: say so with the usage, not with a stack trace.
    fail(`${error instanceof Error ? error.message : String(error)}\n${USER_USAGE}`);
  }
}

type Arguments = ReturnType<typeof parseArguments>;

function requiredEmail({ values }: Arguments): string {
  if (values.email === undefined || !/^[^\s@]+@[^\s@]+$/.test(values.email)) fail(`--email is required.\n${USER_USAGE}`);
  return normalizeEmail(values.email);
}

function requiredRole({ values }: Arguments): Role {
  if (!isRole(values.role)) fail(`--role must be USER, MANAGER or ADMIN.\n${USER_USAGE}`);
  return values.role;
}

type Command =
  | { kind: 'create' | 'invite'; email: string; role: Role }
  | { kind: 'set-password'; email: string }
  | { kind: 'set-role'; email: string; role: Role }
  | { kind: 'disable' | 'enable'; email: string }
  | { kind: 'list' };

/** Every argument is checked before the database is opened, so a typo costs nothing and says what is wrong. */
function parseCommand(parsed: Arguments): Command {
  const kind = parsed.positionals[0];
  switch (kind) {
    case 'create':
      return { kind: 'create', email: requiredEmail(parsed), role: requiredRole(parsed) };
    case 'invite':
      return { kind: 'invite', email: requiredEmail(parsed), role: parsed.values.role === undefined ? 'USER' : requiredRole(parsed) };
    case 'set-password':
      return { kind: 'set-password', email: requiredEmail(parsed) };
    case 'set-role':
      return { kind: 'set-role', email: requiredEmail(parsed), role: requiredRole(parsed) };
    case 'disable':
    case 'enable':
      return { kind, email: requiredEmail(parsed) };
    case 'list':
      return { kind: 'list' };
    default:
      return fail(USER_USAGE);
  }
}

/** `portcullis-user-service user …`: creates, invites, re-roles, disables, enables and lists users in the configured database. */
export async function runUserCommand(args: readonly string[]): Promise<void> {
  const parsed = parseArguments(args);
  const { values } = parsed;
  const command = parseCommand(parsed);
  const { config, database } = await openCliDatabase();
  const users = new UserStore(database.db, systemClock);
  const sessions = new SessionStore(database.db, systemClock, {
    idleSeconds: config.refreshIdleTtlSeconds,
    absoluteSeconds: config.refreshAbsoluteTtlSeconds,
    reuseGraceSeconds: config.refreshReuseGraceSeconds,
  });
  const audit = cliAuditLog(database);
  const revocation = new SessionRevocation(sessions, null, audit);
  const actor = { ip: null, userAgent: 'portcullis-cli', detail: { by: 'cli' } };
  const accountTokens = new AccountTokens(database.db, systemClock);

  try {
    switch (command.kind) {
      case 'create': {
        const passwordHash = await readStrongPasswordHash(config, command.email);
        const name = values.name ?? command.email.split('@')[0] ?? command.email;
        const created = await users.create({ email: command.email, role: command.role, name, passwordHash });
        if (created === null) fail(`A user with email ${command.email} already exists.`);
        await audit.record({ type: 'user.created', userId: created.id, ...actor, reason: created.role });
        console.log(`Created ${created.email} (${created.role}), id ${created.id}.`);
        break;
      }
      case 'invite': {
        // The same path as an admin's invitation over HTTP; the running service's sender delivers the queued mail.
        const inviting = {
          config,
          clock: systemClock,
          db: database.db,
          accountTokens,
          outbox: new MailOutbox(database.db, systemClock),
          templates: new MailTemplates(config.mail),
          audit,
        };
        try {
          const invited = await invite(inviting, { email: command.email, role: command.role, client: { ip: actor.ip, userAgent: actor.userAgent }, by: 'cli' });
          const what = invited.resent ? 'Sent a new invitation to' : 'Invited';
          console.log(`${what} ${command.email} (${command.role}), id ${invited.id}. The mail is queued; the running service sends it.`);
        } catch (error) {
          if (error instanceof ApiError && error.code === 'conflict') fail(`${command.email} already has an account.`);
          throw error;
        }
        break;
      }
      case 'set-password': {
        const user = await users.findByEmail(command.email);
        if (user === null) fail(`No user with email ${command.email}.`);
        const passwordHash = await readStrongPasswordHash(config, command.email);
        // A new password voids every reset link and invitation still in the mail (OWASP ASVS 5.0 §6.3.8), and ends every
        // session, as a reset by mail does: whoever knew the old password is out (ASVS §7.4.3).
        await users.update(user.id, { passwordHash });
        await accountTokens.voidFor(database.db, user.id, ['password_reset', 'invitation']);
        const revoked = await revocation.revokeUserSessions(user.id, { reason: 'revoked_by_admin', event: () => null });
        await audit.record({ type: 'password.changed', userId: user.id, ...actor, reason: 'set_by_operator', detail: { by: 'cli', revokedSessions: revoked.length } });
        console.log(`Password set for ${command.email}; ${revoked.length} session(s) revoked.`);
        break;
      }
      case 'set-role':
      case 'disable':
      case 'enable': {
        const user = await users.findByEmail(command.email);
        if (user === null) fail(`No user with email ${command.email}.`);
        const change = command.kind === 'set-role' ? { role: command.role } : { disabled: command.kind === 'disable' };
        await users.update(user.id, change);
        // As over HTTP: a disabled account's mailed links die with it (OWASP ASVS 5.0 §6.4.1).
        if (command.kind === 'disable') await accountTokens.voidFor(database.db, user.id, ALL_LINK_PURPOSES);
        // Same rule as the HTTP API: a new role or a disabled account ends every session at once.
        // The change is audited once, below, with the count; running services forget their cached validity within its budget.
        const revoked =
          command.kind === 'enable'
            ? []
            : await revocation.revokeUserSessions(user.id, { reason: command.kind === 'disable' ? 'user_disabled' : 'role_changed', event: () => null });
        const reason = command.kind === 'set-role' ? 'role_changed' : command.kind === 'disable' ? 'disabled' : 'enabled';
        await audit.record({ type: 'user.changed', userId: user.id, ...actor, reason, detail: { by: 'cli', revokedSessions: revoked.length } });
        console.log(`Updated ${command.email}; ${revoked.length} session(s) revoked.`);
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
}

/**
 * Reads the new password from stdin and hashes it, or exits saying why the policy refuses it: the command line follows
 * the same policy as every other way to set a password (OWASP ASVS 5.0 §6.2).
 */
async function readStrongPasswordHash(config: Config, email: string): Promise<string> {
  const password = await readStdin();
  const policy = createPasswordPolicy(config, { logger: createLogger({ level: 'warn', destination: process.stderr }), metrics: createMetrics() });
  const weakness = await policy.check(password, { email });
  if (weakness !== null) fail(`The password (read from stdin) is refused: ${weakPassword(weakness).message}`);
  const passwords = await createPasswordHasher({ concurrency: 1, queue: 1 });
  try {
    return await passwords.hash(password);
  } finally {
    await passwords.close();
  }
}
