import { createHash, randomBytes, randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import type { AuditEvent, ErrorBody, TokenResponse } from '@portcullis/contracts';
import { PasswordHashingBusy } from '../passwords/password-hasher.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends, type TestBackend } from '../test-support/databases.js';
import { ADAM, DEMO_PASSWORD, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { sampleValue } from '../test-support/prometheus.js';

const WRONG_PASSWORD = 'definitely-not-the-password';
const REDIS_URL = process.env.REDIS_URL;
const REDIS_SKIP_REASON = 'REDIS_URL is not set: shared Redis counters not tested (set it, as .ci/run does, to run them)';

// 198.18.0.1 … 198.18.255.254, walked in order from a random start: never the same address twice in one run (a
// random draw each time now and then landed on an address an earlier scenario had capped, and got its 429), and
// rarely the same as a rerun's on one Redis inside the failure window.
const TEST_ADDRESSES = 256 * 254;
let lastAddress = randomInt(0, TEST_ADDRESSES);

/** A client address of its own for each scenario, so scenarios on one instance (and reruns on one Redis) never share counters. */
function freshIp(): string {
  lastAddress = (lastAddress + 1) % TEST_ADDRESSES;
  return `198.18.${Math.floor(lastAddress / 254)}.${(lastAddress % 254) + 1}`;
}

/** A /64 of its own from the IPv6 documentation range, and the addresses inside it. */
function freshIpv6Prefix(): { address(host: number): string } {
  const [a, b] = [randomBytes(2).toString('hex'), randomBytes(2).toString('hex')];
  return { address: (host) => `2001:db8:${a}:${b}:${host.toString(16)}:0:0:1` };
}

function attempt(instance: TestInstance, email: string, password: string, ip?: string): Promise<Response> {
  return instance.request('/v1/auth/login', {
    method: 'POST',
    json: { email, password },
    headers: ip === undefined ? {} : { 'x-forwarded-for': ip },
  });
}

async function expectRefused(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(((await response.json()) as ErrorBody).error).toBe(error);
}

async function expectThrottled(response: Response, windowSeconds: number): Promise<void> {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect((await response.json()) as ErrorBody).toEqual({ error: 'rate_limited', message: expect.any(String) });
}

// Behind TRUST_PROXY loopback callers are not trusted with /metrics: the scrape token is.
const METRICS_TOKEN = 'throttling-test-metrics-token';

const LIMITS = {
  TRUST_PROXY: '127.0.0.1,::1',
  METRICS_TOKEN,
  LOGIN_MAX_FAILURES_PER_EMAIL_IP: '3',
  LOGIN_MAX_ATTEMPTS_PER_IP: '6',
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '5',
  LOGIN_FAILURE_WINDOW: '900',
  REFRESH_MAX_PER_IP_PER_MINUTE: '3',
  // Busy answers at once here; the hold itself has a test of its own below.
  PASSWORD_HASH_BUSY_HOLD: '0',
};

describe.each(testBackends())('login throttling on $name (in-memory counters)', (backend) => {
  let instance: TestInstance;

  beforeAll(async () => {
    // Behind a trusted proxy, each scenario speaks from an address of its own through X-Forwarded-For.
    instance = await startTestInstance(backend, LIMITS);
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('refuses the correct password with 429 after 3 consecutive failures from one address', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    for (let i = 0; i < 3; i += 1) await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, ip), 401, 'invalid_credentials');

    await expectThrottled(await attempt(instance, account.email, account.password, ip), 900);
    await expectThrottled(await attempt(instance, account.email.toUpperCase(), account.password, ip), 900);

    // The counter is per email *and* address: the owner elsewhere still gets in (3 account failures < 5).
    expect((await attempt(instance, account.email, account.password, freshIp())).status).toBe(200);
  });

  it('resets the email+address counter on a successful sign-in', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    for (let i = 0; i < 2; i += 1) await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, ip), 401, 'invalid_credentials');
    expect((await attempt(instance, account.email, account.password, ip)).status).toBe(200);

    for (let i = 0; i < 2; i += 1) await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, ip), 401, 'invalid_credentials');

    expect((await attempt(instance, account.email, account.password, ip)).status).toBe(200);
  });

  it('caps attempts per address, whatever the accounts tried', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    for (let i = 0; i < 6; i += 1) {
      await expectRefused(await attempt(instance, `nobody-${i}@example.test`, WRONG_PASSWORD, ip), 401, 'invalid_credentials');
    }

    await expectThrottled(await attempt(instance, account.email, account.password, ip), 900);
  });

  it('counts successes towards the per-address cap too', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    for (let i = 0; i < 6; i += 1) expect((await attempt(instance, account.email, account.password, ip)).status).toBe(200);

    await expectThrottled(await attempt(instance, account.email, account.password, ip), 900);
  });

  it('locks an account after 5 failures spread over many addresses', async () => {
    const account = await createTestAccount(instance);
    for (let i = 0; i < 5; i += 1) {
      await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, freshIp()), 401, 'invalid_credentials');
    }

    await expectThrottled(await attempt(instance, account.email, account.password, freshIp()), 3600);
  });

  it('keys on the address the trusted proxy saw, not on entries the client put in front of it', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    for (let i = 0; i < 3; i += 1) {
      const response = await attempt(instance, account.email, WRONG_PASSWORD, `10.0.0.${i + 1}, 203.0.113.${i + 1}, ${ip}`);
      await expectRefused(response, 401, 'invalid_credentials');
    }

    await expectThrottled(await attempt(instance, account.email, account.password, `192.0.2.99, ${ip}`), 900);
  });

  // A burst of parallel guesses is counted before any password is checked, so it cannot outrun the limit.
  it('admits no more parallel guesses than the limit allows', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();

    const responses = await Promise.all(Array.from({ length: 12 }, () => attempt(instance, account.email, WRONG_PASSWORD, ip)));

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(9);
  });

  it('throttles refreshes per address with 429 and Retry-After', async () => {
    const ip = freshIp();
    const refresh = (address: string) =>
      instance.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: 'A'.repeat(43) }, headers: { 'x-forwarded-for': address } });
    for (let i = 0; i < 3; i += 1) await expectRefused(await refresh(ip), 401, 'invalid_grant');

    await expectThrottled(await refresh(ip), 60);

    await expectRefused(await refresh(freshIp()), 401, 'invalid_grant');
  });

  it('refuses a real refresh token while its address is throttled, and keeps it usable', async () => {
    const account = await createTestAccount(instance);
    const session = (await (await attempt(instance, account.email, account.password, freshIp())).json()) as TokenResponse;
    const ip = freshIp();
    const refresh = (refreshToken: string, address: string) =>
      instance.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken }, headers: { 'x-forwarded-for': address } });
    for (let i = 0; i < 3; i += 1) await refresh('B'.repeat(43), ip);

    await expectThrottled(await refresh(session.refreshToken, ip), 60);

    expect((await refresh(session.refreshToken, freshIp())).status).toBe(200);
  });

  it('counts an IPv6 client per /64 in every per-address limit: one /64 shares a limit, another /64 does not', async () => {
    const account = await createTestAccount(instance);
    const [crowded, other] = [freshIpv6Prefix(), freshIpv6Prefix()];
    // Three failures of one email from three addresses of one /64 end that email's streak there…
    for (let host = 1; host <= 3; host += 1)
      await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, crowded.address(host)), 401, 'invalid_credentials');
    await expectThrottled(await attempt(instance, account.email, account.password, crowded.address(4)), 900);
    // …and with that refusal the /64 has made 4 attempts, so two more fill the per-address cap of 6 for any email.
    for (let host = 5; host <= 6; host += 1)
      await expectRefused(await attempt(instance, `nobody-${host}@example.test`, WRONG_PASSWORD, crowded.address(host)), 401, 'invalid_credentials');
    await expectThrottled(await attempt(instance, 'nobody-7@example.test', WRONG_PASSWORD, crowded.address(7)), 900);

    expect((await attempt(instance, account.email, account.password, other.address(1))).status).toBe(200);

    const refresh = (address: string) =>
      instance.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: 'E'.repeat(43) }, headers: { 'x-forwarded-for': address } });
    for (let host = 1; host <= 3; host += 1) await expectRefused(await refresh(crowded.address(100 + host)), 401, 'invalid_grant');
    await expectThrottled(await refresh(crowded.address(104)), 60);
    await expectRefused(await refresh(other.address(2)), 401, 'invalid_grant');
  });

  it('never counts a refusal for being busy: not against the account, the email+address pair, the address, nor in the audit', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    const busyAnswers: Response[] = [];
    // The hashing queue is full when the attempt arrives…
    const full = vi.spyOn(instance.context.passwords, 'hasRoomFor').mockReturnValue(false);
    try {
      for (let i = 0; i < 8; i += 1) busyAnswers.push(await attempt(instance, account.email, i % 2 === 0 ? WRONG_PASSWORD : account.password, ip));
    } finally {
      full.mockRestore();
    }
    // …or fills up between the check and the hash.
    const filled = vi.spyOn(instance.context.passwords, 'verify').mockRejectedValue(new PasswordHashingBusy());
    try {
      for (let i = 0; i < 4; i += 1) busyAnswers.push(await attempt(instance, account.email, WRONG_PASSWORD, ip));
    } finally {
      filled.mockRestore();
    }
    for (const response of busyAnswers) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(((await response.json()) as ErrorBody).error).toBe('unavailable');
    }

    // Twelve busy answers, yet the streak (3), the address cap (6) and the account limit (5) are all still whole.
    for (let i = 0; i < 2; i += 1) await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, ip), 401, 'invalid_credentials');
    expect((await attempt(instance, account.email, account.password, ip)).status).toBe(200);
    const admin = (await (await attempt(instance, ADAM, DEMO_PASSWORD, freshIp())).json()) as TokenResponse;
    const audit = await instance.request(`/v1/audit?type=login.failed&userId=${account.id}&limit=1000`, { token: admin.accessToken });
    const failures = ((await audit.json()) as { events: AuditEvent[] }).events.filter((event) => event.ip === ip);
    expect(failures).toHaveLength(2);
    const metrics = await (await instance.request('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(sampleValue(metrics, 'portcullis_login_attempts_total', { outcome: 'busy' })).toBeGreaterThanOrEqual(12);
  });

  it('keeps the owner signing in from an address they signed in from while failures elsewhere lock the account', async () => {
    const account = await createTestAccount(instance);
    const home = freshIp();
    expect((await attempt(instance, account.email, account.password, home)).status).toBe(200);
    for (let i = 0; i < 5; i += 1) await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, freshIp()), 401, 'invalid_credentials');

    await expectThrottled(await attempt(instance, account.email, account.password, freshIp()), 3600);
    expect((await attempt(instance, account.email, account.password, home)).status).toBe(200);

    // The known address still has its own streak limit: guessing from there ends like anywhere else.
    for (let i = 0; i < 3; i += 1) await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, home), 401, 'invalid_credentials');
    await expectThrottled(await attempt(instance, account.email, account.password, home), 900);
  });

  it('chooses the hashing lane from counters alone: an unknown email waits where a real one would', async () => {
    const [first, second] = [await createTestAccount(instance), await createTestAccount(instance)];
    const verify = vi.spyOn(instance.context.passwords, 'verify');
    const lanes = (): unknown[] => verify.mock.calls.map((call) => call[2].lane);
    try {
      const ip = freshIp();
      await attempt(instance, first.email, WRONG_PASSWORD, ip);
      await attempt(instance, 'nobody-a@example.test', WRONG_PASSWORD, ip);
      await attempt(instance, 'nobody-b@example.test', WRONG_PASSWORD, ip);
      // Three failures from one address (LOGIN_MAX_FAILURES_PER_EMAIL_IP): whatever it tries next waits in the failing lane.
      await attempt(instance, second.email, second.password, ip);
      await attempt(instance, 'nobody-c@example.test', WRONG_PASSWORD, ip);
      expect(lanes()).toEqual(['fresh', 'fresh', 'fresh', 'failing', 'failing']);

      verify.mockClear();
      const elsewhere = freshIp();
      await attempt(instance, first.email, WRONG_PASSWORD, elsewhere);
      await attempt(instance, first.email, first.password, elsewhere);
      // After a success the pair is known, even with a typo since.
      await attempt(instance, first.email, WRONG_PASSWORD, elsewhere);
      await attempt(instance, first.email, first.password, elsewhere);
      expect(lanes()).toEqual(['fresh', 'failing', 'known', 'known']);
    } finally {
      verify.mockRestore();
    }
  });

  it('keeps people signing in at once from one address in the fresh lane: a check still running is no failure', async () => {
    const accounts = await Promise.all(Array.from({ length: 6 }, () => createTestAccount(instance)));
    const original = instance.context.passwords.verify.bind(instance.context.passwords);
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const verify = vi.spyOn(instance.context.passwords, 'verify').mockImplementation(async (...args) => {
      await held;
      return original(...args);
    });
    try {
      const ip = freshIp();
      // An office behind one address at nine o'clock: six colleagues sign in at the same moment.
      const answers = accounts.map((account) => attempt(instance, account.email, account.password, ip));
      await vi.waitFor(() => expect(verify).toHaveBeenCalledTimes(accounts.length));
      release();
      for (const response of await Promise.all(answers)) expect(response.status).toBe(200);
      expect(verify.mock.calls.map((call) => call[2].lane)).toEqual(accounts.map(() => 'fresh'));
    } finally {
      verify.mockRestore();
    }
  });

  it('records throttled sign-ins as login.throttled, counted in /metrics', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    for (let i = 0; i < 3; i += 1) await attempt(instance, account.email, WRONG_PASSWORD, ip);
    await attempt(instance, account.email, account.password, ip);
    const admin = (await (await attempt(instance, ADAM, DEMO_PASSWORD, freshIp())).json()) as TokenResponse;

    const response = await instance.request('/v1/audit?type=login.throttled&limit=1000', { token: admin.accessToken });

    const events = ((await response.json()) as { events: AuditEvent[] }).events;
    expect(events.filter((event) => event.ip === ip)).toEqual([
      expect.objectContaining({ type: 'login.throttled', ip, reason: 'too_many_attempts', detail: expect.objectContaining({ email: account.email }) }),
    ]);
    const metrics = await (await instance.request('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(sampleValue(metrics, 'portcullis_login_attempts_total', { outcome: 'throttled' })).toBeGreaterThanOrEqual(1);
  });
});

/**
 * The scenarios below are about HTTP and counters, not storage: they run once, on PostgreSQL when DATABASE_URL is set
 * (one shared database for two instances, and quicker to start), else on PGlite.
 */
function quickestBackend(): TestBackend {
  const backend = testBackends().at(-1);
  if (backend === undefined) throw new Error('no test back-end');
  return backend;
}

describe('login throttling without a trusted proxy', () => {
  let instance: TestInstance;
  let account: TestAccount;

  beforeAll(async () => {
    const backend = quickestBackend();
    instance = await startTestInstance(backend, { LOGIN_MAX_FAILURES_PER_EMAIL_IP: '3', LOGIN_MAX_FAILURES_PER_ACCOUNT: '50' });
    account = await createTestAccount(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('ignores X-Forwarded-For: a spoofed address per request does not escape the limit', async () => {
    for (let i = 0; i < 3; i += 1) {
      await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, freshIp()), 401, 'invalid_credentials');
    }

    await expectThrottled(await attempt(instance, account.email, account.password, freshIp()), 900);
  });

  it("audits the socket's address, not the claimed one", async () => {
    const admin = await instance.login(ADAM);
    const response = await instance.request(`/v1/audit?type=login.failed&userId=${account.id}`, { token: admin.accessToken });
    const events = ((await response.json()) as { events: AuditEvent[] }).events;
    expect(events.length).toBe(3);
    for (const event of events) expect(event.ip).toBe('127.0.0.1');
  });
});

describe('busy answers held back', () => {
  let instance: TestInstance;

  beforeAll(async () => {
    instance = await startTestInstance(quickestBackend(), { ...LIMITS, PASSWORD_HASH_BUSY_HOLD: '400' });
  });

  afterAll(async () => {
    await instance?.close();
  });

  // A client that retries the moment it is refused cannot turn refusals into a storm that starves the hashing threads.
  it('holds a busy refusal for PASSWORD_HASH_BUSY_HOLD before answering 503, and still counts nothing', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    const full = vi.spyOn(instance.context.passwords, 'hasRoomFor').mockReturnValue(false);
    const started = performance.now();
    let response: Response;
    try {
      response = await attempt(instance, account.email, WRONG_PASSWORD, ip);
    } finally {
      full.mockRestore();
    }

    expect(response.status).toBe(503);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    for (let i = 0; i < 2; i += 1) await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, ip), 401, 'invalid_credentials');
    expect((await attempt(instance, account.email, account.password, ip)).status).toBe(200);
  });
});

describe('login throttling with Redis unreachable', () => {
  let instance: TestInstance;

  beforeAll(async () => {
    const backend = quickestBackend();
    // Port 1 refuses connections: every Redis call fails at once and the in-memory insurance limiter answers.
    instance = await startTestInstance(backend, { ...LIMITS, REDIS_URL: 'redis://127.0.0.1:1' });
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('still throttles, from memory, and never answers 500', async () => {
    const account = await createTestAccount(instance);
    const ip = freshIp();
    for (let i = 0; i < 3; i += 1) await expectRefused(await attempt(instance, account.email, WRONG_PASSWORD, ip), 401, 'invalid_credentials');

    await expectThrottled(await attempt(instance, account.email, account.password, ip), 900);
    expect((await attempt(instance, account.email, account.password, freshIp())).status).toBe(200);
  });

  it('still throttles refreshes', async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i += 1) {
      const response = await instance.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: 'C'.repeat(43) }, headers: { 'x-forwarded-for': ip } });
      await expectRefused(response, 401, 'invalid_grant');
    }
    const response = await instance.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: 'C'.repeat(43) }, headers: { 'x-forwarded-for': ip } });
    await expectThrottled(response, 60);
  });

  it('raises an alert in the log', () => {
    expect(instance.logs.some((line) => line.includes('alert.redis_unavailable'))).toBe(true);
  });
});

/** Mirrors throttles.ts: keys are `portcullis:<limiter>:<key>`, accounts as a short SHA-256 of the email. */
function redisKeysFor(emails: readonly string[], ips: readonly string[]): string[] {
  const accounts = emails.map((email) => createHash('sha256').update(email).digest('base64url').slice(0, 22));
  return [
    ...accounts.flatMap((account) => ips.map((ip) => `portcullis:login-fail-email-ip:${account}:${ip}`)),
    ...accounts.map((account) => `portcullis:login-fail-account:${account}`),
    ...accounts.flatMap((account) => ips.map((ip) => `portcullis:login-known-email-ip:${account}:${ip}`)),
    ...ips.map((ip) => `portcullis:login-ip:${ip}`),
    ...ips.map((ip) => `portcullis:login-fail-ip:${ip}`),
    ...ips.map((ip) => `portcullis:refresh-ip:${ip}`),
  ];
}

describe.skipIf(REDIS_URL === undefined || REDIS_URL === '')(`login throttling shared through Redis${REDIS_URL ? '' : ` — skipped: ${REDIS_SKIP_REASON}`}`, () => {
  describe(`two instances on ${quickestBackend().name}`, () => {
    const backend = quickestBackend();
    let database: Awaited<ReturnType<TestBackend['create']>>;
    let first: TestInstance;
    let second: TestInstance;
    const emails: string[] = [];
    const ips: string[] = [];

    function ip(): string {
      const address = freshIp();
      ips.push(address);
      return address;
    }

    /** The same account on both instances (one shared PostgreSQL database, or two in-memory PGlite ones). */
    async function accountOnBoth(): Promise<TestAccount> {
      const account = await createTestAccount(first);
      await createTestAccount(second, { email: account.email });
      emails.push(account.email);
      return account;
    }

    beforeAll(async () => {
      const env = { ...LIMITS, REDIS_URL: REDIS_URL ?? '' };
      database = await backend.create();
      first = await startTestInstance(backend, env, { database });
      second = await startTestInstance(backend, env, { database });
    });

    afterAll(async () => {
      await first?.close();
      await second?.close();
      await database?.drop();
      if (REDIS_URL === undefined) return;
      const redis = new Redis(REDIS_URL, { lazyConnect: true });
      await redis.connect();
      const keys = redisKeysFor(emails, ips);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('adds failures seen by either instance: the limit holds across them', async () => {
      const account = await accountOnBoth();
      const address = ip();
      await expectRefused(await attempt(first, account.email, WRONG_PASSWORD, address), 401, 'invalid_credentials');
      await expectRefused(await attempt(second, account.email, WRONG_PASSWORD, address), 401, 'invalid_credentials');
      await expectRefused(await attempt(first, account.email, WRONG_PASSWORD, address), 401, 'invalid_credentials');

      await expectThrottled(await attempt(second, account.email, account.password, address), 900);
      await expectThrottled(await attempt(first, account.email, account.password, address), 900);
    });

    it('adds per-account failures from many addresses across instances', async () => {
      const account = await accountOnBoth();
      for (let i = 0; i < 5; i += 1) {
        await expectRefused(await attempt(i % 2 === 0 ? first : second, account.email, WRONG_PASSWORD, ip()), 401, 'invalid_credentials');
      }

      await expectThrottled(await attempt(second, account.email, account.password, ip()), 3600);
    });

    it('shares the reset: a success on one instance clears the counter for the other', async () => {
      const account = await accountOnBoth();
      const address = ip();
      await attempt(first, account.email, WRONG_PASSWORD, address);
      await attempt(second, account.email, WRONG_PASSWORD, address);
      expect((await attempt(first, account.email, account.password, address)).status).toBe(200);
      await attempt(second, account.email, WRONG_PASSWORD, address);
      await attempt(first, account.email, WRONG_PASSWORD, address);

      expect((await attempt(second, account.email, account.password, address)).status).toBe(200);
    });

    it('shares known addresses: the owner signs in on either instance while failures elsewhere lock the account', async () => {
      const account = await accountOnBoth();
      const home = ip();
      expect((await attempt(first, account.email, account.password, home)).status).toBe(200);
      for (let i = 0; i < 5; i += 1) await expectRefused(await attempt(i % 2 === 0 ? first : second, account.email, WRONG_PASSWORD, ip()), 401, 'invalid_credentials');

      await expectThrottled(await attempt(first, account.email, account.password, ip()), 3600);
      expect((await attempt(second, account.email, account.password, home)).status).toBe(200);
    });

    it('shares the refresh limit per address', async () => {
      const address = ip();
      const refresh = (instance: TestInstance) =>
        instance.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: 'D'.repeat(43) }, headers: { 'x-forwarded-for': address } });
      await expectRefused(await refresh(first), 401, 'invalid_grant');
      await expectRefused(await refresh(second), 401, 'invalid_grant');
      await expectRefused(await refresh(first), 401, 'invalid_grant');

      await expectThrottled(await refresh(second), 60);
    });
  });
});
