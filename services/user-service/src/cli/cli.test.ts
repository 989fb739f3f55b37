import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader, type JWK } from 'jose';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ErrorBody, TokenResponse } from '@portcullis/contracts';
import { testBackends, type TestBackend } from '../test-support/databases.js';
import { SmtpInbox } from '../mail/smtp-inbox.js';
import { ADAM, startTestInstance, type TestInstance } from '../test-support/harness.js';

// The CLIs run as users run them: the package's command (`portcullis-user-service user …`, `npm run user`), built, in a
// process of its own.
const SERVICE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMMAND = join(SERVICE_ROOT, 'bin/portcullis-user-service.js');
const BUILT_COMMAND = join(SERVICE_ROOT, 'dist/cli/main.js');
const USER_CLI = 'user';
const KEYS_CLI = 'keys';

// Each CLI run starts Node and opens the database (PGlite: a WASM PostgreSQL on disk); on a busy machine that takes
// seconds, so these tests get more time than the suite's default.
const CLI_TIMEOUT_MS = 90_000;
const STEP_TIMEOUT_MS = 120_000;

const EMAIL = 'carol@example.com';
const PASSWORD = 'a long enough passphrase for the test';
const NEW_PASSWORD = 'another passphrase, set from the command line';

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

type Database = Awaited<ReturnType<TestBackend['create']>>;

/** Runs a CLI with only the environment given (never this process's DATABASE_URL or REDIS_URL). */
function run(command: typeof USER_CLI | typeof KEYS_CLI, args: readonly string[], options: { env: Record<string, string>; stdin?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COMMAND, command, ...args], {
      cwd: SERVICE_ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Never outlive the test: a stray CLI would hold the PGlite directory for the next step.
      timeout: CLI_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** A database the CLI and the service take turns on: a PGlite data directory on disk, or a PostgreSQL database. */
async function sharedDatabase(backend: TestBackend): Promise<Database> {
  if (backend.name === 'postgres') return backend.create();
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
  return { env: { DATA_DIR: dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
}

/**
 * Starts the service on the database, runs `talk`, and stops it again: PGlite allows one process at a time, so the
 * CLI only ever runs while no service is up.
 */
async function withService<T>(backend: TestBackend, database: Database, talk: (instance: TestInstance) => Promise<T>): Promise<T> {
  const instance = await startTestInstance(backend, {}, { database });
  try {
    return await talk(instance);
  } finally {
    await instance.close();
  }
}

async function signIn(instance: TestInstance, password = PASSWORD): Promise<Response> {
  return instance.request('/v1/auth/login', { method: 'POST', json: { email: EMAIL, password } });
}

describe('the CLIs are built', () => {
  it('has the command behind bin/portcullis-user-service.js (run `npm run build` first)', () => {
    expect(existsSync(BUILT_COMMAND)).toBe(true);
  });
});

describe.each(testBackends())('user and key CLIs on $name', { timeout: STEP_TIMEOUT_MS }, (backend) => {
  let database: Database;
  let userId: string;
  let first: TokenResponse;
  let second: TokenResponse;
  let firstKid: string;
  let rotatedKid: string;

  const user = (args: readonly string[], stdin?: string) => run(USER_CLI, args, { env: database.env, ...(stdin === undefined ? {} : { stdin }) });
  const keys = (args: readonly string[]) => run(KEYS_CLI, args, { env: database.env });

  beforeAll(async () => {
    database = await sharedDatabase(backend);
  });

  afterAll(async () => {
    await database?.drop();
  });

  // One story, in order: create, sign in, re-role, rotate keys, disable, re-enable.
  it('creates a user with the password read from stdin, never echoing it', async () => {
    const result = await user(['create', '--email', 'Carol@Example.com', '--role', 'USER', '--name', 'Carol'], `${PASSWORD}\n`);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const match = /^Created carol@example\.com \(USER\), id ([0-9a-f-]{36})\.$/m.exec(result.stdout);
    expect(match).not.toBeNull();
    userId = match?.[1] ?? '';
    expect(result.stdout).not.toContain(PASSWORD);
  });

  it('lets the new user sign in through the service', async () => {
    first = await withService(backend, database, async (instance) => {
      const response = await signIn(instance);
      expect(response.status).toBe(200);
      const session = (await response.json()) as TokenResponse;
      expect(session.user).toMatchObject({ id: userId, email: EMAIL, name: 'Carol', role: 'USER' });
      expect((await instance.request('/v1/me', { token: session.accessToken })).status).toBe(200);
      return session;
    });
    firstKid = decodeProtectedHeader(first.accessToken).kid ?? '';
  });

  it('changes the role and revokes the sessions the user had', async () => {
    const result = await user(['set-role', '--email', EMAIL, '--role', 'MANAGER']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/Updated carol@example\.com; 1 session\(s\) revoked\./);
  });

  it('rotates the signing key and lists both keys without private material', async () => {
    const rotation = await keys(['rotate']);
    expect(rotation.code).toBe(0);
    const match = /^New signing key (\S+) \(EdDSA\); retired (\S+)\.$/m.exec(rotation.stdout);
    rotatedKid = match?.[1] ?? '';
    expect(match?.[2]).toBe(firstKid);

    const listing = await keys(['list']);
    expect(listing.code).toBe(0);
    const lines = listing.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.find((line) => line.startsWith(rotatedKid))).toMatch(/\tEdDSA\tcreated \S+\tactive$/);
    expect(lines.find((line) => line.startsWith(firstKid))).toMatch(/\tEdDSA\tcreated \S+\tretired \S+$/);
    expect(listing.stdout).not.toMatch(/"d"|privateJwk|private/i);
  });

  it('shows the service the new role, the revoked session and the new key', async () => {
    second = await withService(backend, database, async (instance) => {
      expect((await instance.request('/v1/me', { token: first.accessToken })).status).toBe(401);
      const refresh = await instance.refresh(first.refreshToken);
      expect(refresh.status).toBe(401);
      expect(((await refresh.json()) as ErrorBody).error).toBe('invalid_grant');

      const response = await signIn(instance);
      expect(response.status).toBe(200);
      const session = (await response.json()) as TokenResponse;
      expect(session.user.role).toBe('MANAGER');
      expect(session.user.scopes).toContain('approvals:grant');
      expect(decodeProtectedHeader(session.accessToken).kid).toBe(rotatedKid);
      const jwks = (await (await instance.request('/.well-known/jwks.json')).json()) as { keys: JWK[] };
      expect(jwks.keys.map((key) => key.kid).sort()).toEqual([firstKid, rotatedKid].sort());

      // What the CLI changed is in the same audit trail as changes made over HTTP.
      const admin = await instance.login(ADAM);
      const trail = await instance.request(`/v1/audit?userId=${userId}`, { token: admin.accessToken });
      const types = ((await trail.json()) as { events: Array<{ type: string; reason: string | null }> }).events.map((event) => `${event.type}:${event.reason}`);
      expect(types).toEqual(expect.arrayContaining(['user.created:USER', 'user.changed:role_changed']));
      const rotation = await instance.request('/v1/audit?type=key.rotated', { token: admin.accessToken });
      expect(((await rotation.json()) as { events: Array<{ detail: { kid?: string } | null }> }).events[0]?.detail?.kid).toBe(rotatedKid);
      return session;
    });
  });

  it('disables the user, revoking their sessions, and lists them as disabled', async () => {
    const result = await user(['disable', '--email', EMAIL]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/1 session\(s\) revoked/);

    const listing = await user(['list']);
    expect(listing.code).toBe(0);
    expect(listing.stdout).toContain(`${EMAIL}\tMANAGER\tdisabled\t${userId}`);
    expect(listing.stdout).not.toMatch(/argon2|\$/);
  });

  it('keeps a disabled user out of the service', async () => {
    await withService(backend, database, async (instance) => {
      const response = await signIn(instance);
      expect(response.status).toBe(401);
      expect(((await response.json()) as ErrorBody).error).toBe('invalid_credentials');
      expect((await instance.refresh(second.refreshToken)).status).toBe(401);
      expect((await instance.request('/v1/me', { token: second.accessToken })).status).toBe(401);
    });
  });

  it('re-enables the user without reviving old sessions', async () => {
    const result = await user(['enable', '--email', EMAIL]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/Updated carol@example\.com; 0 session\(s\) revoked\./);
  });

  it('sets a new password from stdin, ending every session; only the new password signs in', async () => {
    const before = await withService(backend, database, async (instance) => (await (await signIn(instance)).json()) as TokenResponse);

    const result = await user(['set-password', '--email', EMAIL], `${NEW_PASSWORD}\n`);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/Password set for carol@example\.com; 1 session\(s\) revoked\./);
    expect(result.stdout).not.toContain(NEW_PASSWORD);

    await withService(backend, database, async (instance) => {
      expect((await instance.refresh(before.refreshToken)).status).toBe(401);
      expect((await signIn(instance)).status).toBe(401);
      expect((await signIn(instance, NEW_PASSWORD)).status).toBe(200);
    });
  });
});

/** Refusals do not depend on storage: once, on PostgreSQL when DATABASE_URL is set (quicker to open), else on PGlite. */
describe('bad arguments to the CLIs', { timeout: STEP_TIMEOUT_MS }, () => {
  let database: Database;

  const user = (args: readonly string[], stdin?: string) => run(USER_CLI, args, { env: database.env, ...(stdin === undefined ? {} : { stdin }) });
  const keys = (args: readonly string[]) => run(KEYS_CLI, args, { env: database.env });

  beforeAll(async () => {
    const backend = testBackends().at(-1);
    if (backend === undefined) throw new Error('no test back-end');
    database = await sharedDatabase(backend);
    const created = await user(['create', '--email', EMAIL, '--role', 'USER'], `${PASSWORD}\n`);
    if (created.code !== 0) throw new Error(`setup: ${created.stderr}`);
  }, STEP_TIMEOUT_MS);

  afterAll(async () => {
    await database?.drop();
  });

  it('user CLI: refuses to create the same email twice', async () => {
    const result = await user(['create', '--email', 'CAROL@example.com', '--role', 'ADMIN'], `${PASSWORD}\n`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/already exists/);
  });

  it.each([
    ['no command', []],
    ['an unknown command', ['delete', '--email', EMAIL]],
    ['create without --email', ['create', '--role', 'USER']],
    ['create with an invalid email', ['create', '--email', 'not-an-email', '--role', 'USER']],
    ['create without --role', ['create', '--email', 'dave@example.com']],
    ['create with an unknown role', ['create', '--email', 'dave@example.com', '--role', 'ROOT']],
    ['set-role without --role', ['set-role', '--email', EMAIL]],
    ['set-password without --email', ['set-password']],
    ['an unknown option', ['create', '--email', 'dave@example.com', '--role', 'USER', '--admin']],
    ['an option without its value', ['create', '--email']],
  ])('user CLI: exits non-zero with the usage on %s', async (_what, args) => {
    const result = await user(args, `${PASSWORD}\n`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Usage:/);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it.each([
    ['shorter than 8 characters', 'short', /at least 8 characters/],
    ['among the most common', 'Password123', /most common/],
    ['containing the email', 'dave.davidson-2026', /must not contain your email/],
  ])('user CLI: refuses to create a user with a password %s, as the service would', async (_what, password, message) => {
    const result = await user(['create', '--email', 'dave.davidson@example.com', '--role', 'USER'], `${password}\n`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain(password);
  });

  it('user CLI: refuses to set a weak password, and keeps the old one', async () => {
    const result = await user(['set-password', '--email', EMAIL], 'iloveyou1\n');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/most common/);
  });

  it('user CLI: refuses to change someone who does not exist', async () => {
    const result = await user(['disable', '--email', 'nobody@example.com']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/No user with email nobody@example\.com/);
  });

  it.each([
    ['no command', []],
    ['an unknown command', ['delete']],
    ['an unknown option', ['rotate', '--force']],
  ])('keys CLI: exits non-zero with the usage on %s', async (_what, args) => {
    const result = await keys(args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Usage:/);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('both CLIs: name the bad variable in a bad configuration', async () => {
    const result = await run(USER_CLI, ['list'], { env: { ...database.env, DATABASE_URL: 'mysql://nowhere/db' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/DATABASE_URL/);
  });

  it('left the database as it was: only the one user, still a USER', async () => {
    const listing = await user(['list']);
    expect(listing.code).toBe(0);
    expect(listing.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${EMAIL}\tUSER\tactive\t`))]);
  });
});

describe.each(testBackends())('user CLI invitations on $name', { timeout: STEP_TIMEOUT_MS }, (backend) => {
  const INVITEE = 'dora@example.com';
  let database: Database;
  let inbox: SmtpInbox;

  const user = (args: readonly string[]) => run(USER_CLI, args, { env: database.env });

  beforeAll(async () => {
    database = await sharedDatabase(backend);
    inbox = await SmtpInbox.start();
  });

  afterAll(async () => {
    await inbox?.close();
    await database?.drop();
  });

  it('invites an address with a role, queues the mail and prints no link', async () => {
    const result = await user(['invite', '--email', 'Dora@Example.com', '--role', 'MANAGER']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Invited dora@example\.com \(MANAGER\), id [0-9a-f-]{36}\. The mail is queued; the running service sends it\.$/m);
    expect(result.stdout).not.toMatch(/token|https?:/);
  });

  it('sends a new link when invited again, and refuses an address that already has an account', async () => {
    const again = await user(['invite', '--email', INVITEE, '--role', 'MANAGER']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(/^Sent a new invitation to dora@example\.com \(MANAGER\)/m);
    const created = await run(USER_CLI, ['create', '--email', 'erin@example.com', '--role', 'USER'], { env: database.env, stdin: `${PASSWORD}\n` });
    expect(created.code).toBe(0);
    const conflict = await user(['invite', '--email', 'erin@example.com']);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/erin@example\.com already has an account\./);
  });

  it('lets the running service deliver the newest link, which the invitee accepts to sign in with the role given', async () => {
    const instance = await startTestInstance(backend, { SMTP_URL: inbox.url }, { database });
    try {
      await instance.context.mail.sender.drainOnce();
      const mails = inbox.to(INVITEE);
      expect(mails).toHaveLength(2);
      const [older, newer] = mails.map((mail) => SmtpInbox.token(mail, 'accept-invitation'));
      const accept = (token: string | undefined) =>
        instance.request('/v1/auth/invitations/accept', { method: 'POST', json: { token, password: PASSWORD, name: 'Dora' } });
      expect((await accept(older)).status).toBe(400);
      expect((await accept(newer)).status).toBe(204);
      const session = await instance.login(INVITEE, PASSWORD);
      expect(session.user).toMatchObject({ email: INVITEE, name: 'Dora', role: 'MANAGER' });
    } finally {
      await instance.close();
    }
  });
});
