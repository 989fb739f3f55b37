import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './processes.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** Debian's server programs of the newest PostgreSQL installed, or undefined when the machine has none. */
function serverPrograms(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(POSTGRES_ROOT, versions[0], 'bin');
}

/** The system account PostgreSQL runs as when we are root (it refuses to run as root): undefined when not root, null when missing. */
function serverAccount(): { name: string; uid: number; gid: number } | undefined | null {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { name: 'postgres', uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

/** Why a private PostgreSQL server cannot be started here, or '' when it can. */
export function privatePostgresUnavailable(): string {
  if (serverPrograms() === undefined) return `no PostgreSQL server programs under ${POSTGRES_ROOT} (apt-get install postgresql)`;
  if (serverAccount() === null) return 'running as root without a postgres account to start the server as';
  return '';
}

/**
 * A PostgreSQL server of the test's own (initdb in a temporary directory, its own port), so a fault test can really
 * stop and start it — the machine's shared server is used by other test files at the same time and is never touched.
 */
export class PrivatePostgres {
  private constructor(
    private readonly programs: string,
    private readonly directory: string,
    private readonly port: number,
  ) {}

  /** A superuser `root` with trust authentication on 127.0.0.1, database `postgres`. */
  get url(): string {
    return `postgres://root@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const programs = serverPrograms();
    if (programs === undefined) throw new Error(privatePostgresUnavailable());
    const directory = await mkdtemp('/tmp/portcullis-postgres-');
    const account = serverAccount();
    if (account) await chown(directory, account.uid, account.gid);
    const server = new PrivatePostgres(programs, directory, await freePort());
    await server.#as('initdb', ['-D', server.#dataDir, '-U', 'root', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    await server.start();
    return server;
  }

  get #dataDir(): string {
    return join(this.directory, 'data');
  }

  async #as(program: string, args: string[]): Promise<void> {
    const account = serverAccount();
    const path = join(this.programs, program);
    await (account ? run('runuser', ['-u', account.name, '--', path, ...args]) : run(path, args));
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.directory} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.#as('pg_ctl', ['-D', this.#dataDir, '-l', join(this.directory, 'server.log'), '-o', options, '-w', 'start']);
  }

  /** Stops it as an operator's restart does: `-m fast` ends every session with 57P01 (admin shutdown). */
  async stop(): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#dataDir, '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(this.directory, { recursive: true, force: true });
  }
}
