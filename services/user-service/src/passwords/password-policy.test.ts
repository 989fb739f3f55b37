import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { sampleValue } from '../test-support/prometheus.js';
import { createPasswordPolicy, requireStrongPassword, type PasswordPolicy } from './password-policy.js';

/** A password no list holds: random, so the breached check is the only thing that can refuse it. */
function uniquePassword(): string {
  return `${randomBytes(12).toString('base64url')}-unlisted`;
}

function sha1(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

/** A Have-I-Been-Pwned-compatible range API on loopback: knows the passwords it is given, answers, fails or hangs. */
class FakeRangeApi {
  readonly requests: string[] = [];
  readonly #breached = new Set<string>();
  #behaviour: 'answer' | 'fail' | 'hang' = 'answer';
  readonly #server: Server;

  constructor() {
    this.#server = createServer((request, response) => this.#handle(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  knowsBreached(password: string): void {
    this.#breached.add(sha1(password));
  }

  behave(behaviour: 'answer' | 'fail' | 'hang'): void {
    this.#behaviour = behaviour;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    this.requests.push(request.url ?? '');
    if (this.#behaviour === 'hang') return;
    if (this.#behaviour === 'fail') {
      response.writeHead(503).end();
      return;
    }
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(request.url ?? '')?.[1];
    if (prefix === undefined) {
      response.writeHead(400).end();
      return;
    }
    const known = [...this.#breached].filter((hash) => hash.startsWith(prefix)).map((hash) => `${hash.slice(5)}:42`);
    // Padding rows with count 0, as the real service adds them: they must not count as breaches.
    const padding = Array.from({ length: 3 }, () => `${randomBytes(18).toString('hex').slice(0, 35).toUpperCase()}:0`);
    response.writeHead(200, { 'content-type': 'text/plain' }).end([...known, ...padding].join('\r\n'));
  }
}

function policyWith(env: Record<string, string> = {}): { policy: PasswordPolicy; logs: string[]; metrics: ReturnType<typeof createMetrics> } {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const metrics = createMetrics();
  const config = loadConfig({ NODE_ENV: 'test', APP_NAME: 'Portcullis', ...env });
  return { policy: createPasswordPolicy(config, { logger: createLogger({ level: 'info', destination }), metrics }), logs, metrics };
}

const account = { email: 'maria.garcia@example.com' };

describe('the password policy (OWASP ASVS 5.0 §6.2)', () => {
  const { policy } = policyWith();

  it('asks for at least 8 characters, counted as characters, not bytes', async () => {
    expect(await policy.check('short12', account)).toBe('too_short');
    expect(await policy.check('ñandú🦩', account)).toBe('too_short');
    expect(await policy.check('river tulip', account)).toBeNull();
  });

  it('allows long passphrases, 64 characters and more, up to the cap', async () => {
    expect(await policy.check('correct horse battery staple '.repeat(4).slice(0, 128), account)).toBeNull();
    expect(await policy.check('x'.repeat(129), account)).toBe('too_long');
  });

  it('sets no composition rules: lower-case words alone are fine', async () => {
    expect(await policy.check('quietly orbiting lanterns', account)).toBeNull();
  });

  it('refuses the most common passwords, whatever their letter case', async () => {
    for (const common of ['password', 'PassWord1', '12345678', 'qwertyuiop', 'iloveyou', 'sunshine1', 'FOOTBALL']) {
      expect(await policy.check(common, account), common).toBe('common');
    }
  });

  it("refuses a password containing the email's local part, whatever its case", async () => {
    expect(await policy.check('my-Maria.Garcia-2026', account)).toBe('contains_email');
  });

  it('lets a local part shorter than 3 characters through: too short to mean anything', async () => {
    expect(await policy.check('albatross-in-flight', { email: 'al@example.com' })).toBeNull();
  });

  it("refuses a password containing the app's name", async () => {
    expect(await policy.check('my portcullis secret', account)).toBe('contains_app_name');
    expect(await policyWith({ APP_NAME: 'Acme Books' }).policy.check('ACME BOOKS forever', account)).toBe('contains_app_name');
  });

  it('turns a refusal into a weak_password error that says why, without the password', async () => {
    const refusal = requireStrongPassword(policy, 'password', account);
    await expect(refusal).rejects.toMatchObject({ code: 'weak_password', status: 400, detail: 'common' });
    await expect(refusal).rejects.toThrow(/most common/);
  });
});

describe('the breached-password check against a range API (k-anonymity)', () => {
  let api: FakeRangeApi;

  afterEach(async () => {
    await api.close();
  });

  async function checkedBy(behaviour: 'answer' | 'fail' | 'hang', timeoutMs = 2000) {
    api = new FakeRangeApi();
    api.behave(behaviour);
    const base = await api.start();
    return policyWith({ BREACHED_PASSWORD_API: base, BREACHED_PASSWORD_TIMEOUT: String(timeoutMs) });
  }

  it('refuses a password the service knows from a breach, and sends only the first 5 hex digits of its SHA-1', async () => {
    const { policy, metrics } = await checkedBy('answer');
    const leaked = uniquePassword();
    api.knowsBreached(leaked);

    expect(await policy.check(leaked, account)).toBe('breached');
    expect(api.requests).toEqual([`/range/${sha1(leaked).slice(0, 5)}`]);
    expect(sampleValue(await metrics.registry.metrics(), 'portcullis_breached_password_checks_total', { outcome: 'breached' })).toBe(1);
  });

  it('accepts a password the service does not know; its padding rows are no match', async () => {
    const { policy } = await checkedBy('answer');
    expect(await policy.check(uniquePassword(), account)).toBeNull();
  });

  it('never asks the service about a password the local rules already refuse', async () => {
    const { policy } = await checkedBy('answer');
    expect(await policy.check('sunshine1', account)).toBe('common');
    expect(api.requests).toEqual([]);
  });

  it('accepts the password when the service times out, and logs and counts a warning without the password', async () => {
    const { policy, logs, metrics } = await checkedBy('hang', 100);
    const password = uniquePassword();
    api.knowsBreached(password);

    expect(await policy.check(password, account)).toBeNull();
    expect(api.requests).toHaveLength(1);
    expect(sampleValue(await metrics.registry.metrics(), 'portcullis_breached_password_checks_total', { outcome: 'unknown' })).toBe(1);
    const warning = logs.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string }).find((line) => line.level === 40);
    expect(warning).toMatchObject({ reason: 'timed out' });
    expect(logs.join('')).not.toContain(password);
    expect(logs.join('')).not.toContain(sha1(password).slice(0, 5));
  });

  it('accepts the password when the service answers with an error', async () => {
    const { policy, metrics } = await checkedBy('fail');
    expect(await policy.check(uniquePassword(), account)).toBeNull();
    expect(sampleValue(await metrics.registry.metrics(), 'portcullis_breached_password_checks_total', { outcome: 'unknown' })).toBe(1);
  });
});
