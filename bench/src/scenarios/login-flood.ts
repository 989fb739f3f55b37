import { randomBytes, randomInt } from 'node:crypto';
import { createDatabase } from '../support/databases.js';
import { runLoad, type LoadOptions, type LoadResult } from '../support/load.js';
import { BENCH_DEMO_PASSWORD, startUserService, UNTHROTTLED, type RunningProcess } from '../support/processes.js';
import type { BenchProfile, Measurement, Reporter, ScenarioResult } from '../support/report-model.js';
import { login, randomAddress } from '../support/tokens.js';

const LOGIN_FLOOD_ID = '6';

/** The legitimate users: the demo accounts, each always from an address of its own (documentation range). */
const LEGITIMATE_USERS = [
  { email: 'alice@example.com', address: '203.0.113.10' },
  { email: 'maria@example.com', address: '203.0.113.11' },
  { email: 'adam@example.com', address: '203.0.113.12' },
] as const;

/** The flood speaks from this many addresses (IPv6 /64s), each used again and again, as a botnet's would be. */
const FLOOD_ADDRESSES = 256;

/** Legitimate sign-ins must succeed this often during the flood, with a p99 at most this many times their idle p99. */
const TARGET_SUCCESS = 0.95;
const TARGET_P99_FACTOR = 3;

function floodAttempt(pool: readonly string[]): { body: string; headers: Record<string, string> } {
  const address = pool[randomInt(pool.length)] ?? randomAddress();
  // Half guess the legitimate users' passwords (their accounts reach the per-account limit), half try unknown emails.
  const victim = LEGITIMATE_USERS[randomInt(LEGITIMATE_USERS.length)]?.email ?? 'alice@example.com';
  const email = randomInt(2) === 0 ? victim : `nobody-${randomBytes(6).toString('hex')}@bench.test`;
  return { body: JSON.stringify({ email, password: `wrong-${randomBytes(6).toString('hex')}` }), headers: { 'x-forwarded-for': address } };
}

/** What the legitimate users saw, idle and during the flood, in every round. */
interface FloodRounds {
  readonly idle: LoadResult;
  readonly during: LoadResult;
  readonly flood: LoadResult;
  readonly idleP99s: number[];
  readonly duringP99s: number[];
  readonly everyDuring: LoadResult[];
  readonly floodStatuses: Record<string, number>;
}

/** Legitimate sign-ins idle, then during the flood, `profile.rounds` times; the lowest p99 of each kept. */
async function floodRounds(serviceUrl: string, options: { profile: BenchProfile; reporter: Reporter; label: string }): Promise<FloodRounds> {
  const { profile, reporter, label } = options;
  let turn = 0;
  const legitimate = (text: string): Promise<LoadResult> =>
    runLoad({
      url: `${serviceUrl}/v1/auth/login`,
      method: 'POST',
      connections: LEGITIMATE_USERS.length,
      overallRate: profile.legitimateLoginRate,
      durationSeconds: profile.durationSeconds,
      headers: { 'content-type': 'application/json' },
      setupRequest: () => {
        const user = LEGITIMATE_USERS[turn % LEGITIMATE_USERS.length] ?? LEGITIMATE_USERS[0];
        turn += 1;
        return { body: JSON.stringify({ email: user.email, password: BENCH_DEMO_PASSWORD }), headers: { 'x-forwarded-for': user.address } };
      },
      onTick: (fraction) => reporter.progress(text, fraction),
    });
  const pool = Array.from({ length: FLOOD_ADDRESSES }, () => randomAddress());
  const flood: Omit<LoadOptions, 'durationSeconds'> = {
    url: `${serviceUrl}/v1/auth/login`,
    method: 'POST',
    connections: profile.floodConnections,
    ...(profile.rateCap === undefined ? {} : { overallRate: profile.rateCap }),
    headers: { 'content-type': 'application/json' },
    setupRequest: () => floodAttempt(pool),
  };

  let best: { idle: LoadResult; during: LoadResult; flood: LoadResult } | undefined;
  const idleP99s: number[] = [];
  const duringP99s: number[] = [];
  const everyDuring: LoadResult[] = [];
  const floodStatuses: Record<string, number> = {};
  for (let round = 1; round <= profile.rounds; round += 1) {
    const suffix = profile.rounds > 1 ? ` (round ${round}/${profile.rounds})` : '';
    const idle = await legitimate(`${label} · legitimate sign-ins idle${suffix}`);
    // A little longer than the measured run, so it never sees the flood's ramp-up or ramp-down.
    const flooding = runLoad({ ...flood, durationSeconds: profile.durationSeconds + 1 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const during = await legitimate(`${label} · legitimate sign-ins during the flood${suffix}`);
    const floodResult = await flooding;
    idleP99s.push(idle.p99);
    duringP99s.push(during.p99);
    everyDuring.push(during);
    for (const [status, count] of Object.entries(floodResult.statuses)) floodStatuses[status] = (floodStatuses[status] ?? 0) + count;
    best = {
      idle: best === undefined || idle.p99 < best.idle.p99 ? idle : best.idle,
      during: best === undefined || during.p99 < best.during.p99 ? during : best.during,
      flood: best === undefined || floodResult.requests > best.flood.requests ? floodResult : best.flood,
    };
  }
  if (best === undefined) throw new Error('no rounds');
  return { ...best, idleP99s, duringP99s, everyDuring, floodStatuses };
}

function statusList(statuses: Readonly<Record<string, number>>): string {
  return Object.entries(statuses)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
}

/**
 * Scenario 6: can legitimate users sign in while a flood of failures fills the password-hash queue? The demo users
 * sign in with their right passwords at a fixed rate, each from its own address (where it signed in before), idle and
 * while `floodConnections` connections send wrong passwords and unknown emails from many addresses as fast as they
 * are answered, in alternating rounds. Targets: during the flood ≥ 95 % of legitimate sign-ins succeed (every round
 * counted) and their p99 stays ≤ 3 × the idle p99 (lowest of the rounds each, as scenario 3). Each variant is one
 * service setting; the first is the service's default, the others show why it is the default.
 */
export async function runLoginFlood(options: {
  profile: BenchProfile;
  backend: 'pglite' | 'postgres';
  adminUrl: string | undefined;
  reporter: Reporter;
  variants?: ReadonlyArray<{ label: string; env: Record<string, string> }>;
}): Promise<ScenarioResult> {
  const { profile, reporter, backend } = options;
  const variants = options.variants ?? [{ label: 'defaults (busy refusals held 1 s)', env: {} }];
  const result: ScenarioResult = {
    id: LOGIN_FLOOD_ID,
    title: 'Login flood: legitimate sign-ins while failures flood the password-hash queue',
    parameters: {
      backend,
      'legitimate sign-ins': `${LEGITIMATE_USERS.length} demo users, right password, each from its own address where it signed in before; ${profile.legitimateLoginRate} sign-ins/s in all`,
      'flood connections (closed loop, as fast as answered)': profile.floodConnections,
      'flood mix': `half wrong passwords for the legitimate users' accounts, half unknown emails, from ${FLOOD_ADDRESSES} IPv6 /64s used again and again`,
      'duration per run (s)': profile.durationSeconds,
      'rounds (idle and flood alternate; lowest p99 of each kept, success counted over every flood round)': profile.rounds,
      'user-service':
        'one process, defaults (PASSWORD_HASH_CONCURRENCY=1, PASSWORD_HASH_QUEUE=64, PASSWORD_HASH_BUSY_HOLD=1000 ms, LOGIN_MAX_FAILURES_PER_ACCOUNT=100), per-address attempt cap raised for the benchmark',
      'service settings compared': variants.map((variant) => variant.label).join('; '),
    },
    measurements: [],
    facts: [],
    notes: [],
  };
  for (const [index, variant] of variants.entries()) {
    const database = await createDatabase(backend, options.adminUrl);
    let service: RunningProcess | undefined;
    try {
      reporter.step(`scenario 6 · ${backend} · ${variant.label}: starting the user-service`);
      service = await startUserService({ env: { ...database.env, ...UNTHROTTLED, ...variant.env } });
      // Each legitimate user has signed in from its address before: the service knows the pair.
      for (const user of LEGITIMATE_USERS) await login(service.url, user.email, BENCH_DEMO_PASSWORD, { address: user.address });
      const rounds = await floodRounds(service.url, { profile, reporter, label: `6 · ${backend}` });

      const succeeded = rounds.everyDuring.reduce((sum, load) => sum + (load.statuses['200'] ?? 0), 0);
      const attempted = rounds.everyDuring.reduce((sum, load) => sum + Object.values(load.statuses).reduce((all, count) => all + count, 0) + load.errors, 0);
      const success = attempted === 0 ? 0 : succeeded / attempted;
      const ratio = rounds.idle.p99 > 0 ? rounds.during.p99 / rounds.idle.p99 : 0;
      const rows: Measurement[] = [
        { label: `legitimate sign-ins idle — ${variant.label}`, backend, load: rounds.idle },
        {
          label: `legitimate sign-ins during the flood — ${variant.label}`,
          backend,
          load: rounds.during,
          ratio,
          // The target applies to the default configuration; the other variants are there to explain it.
          ...(index === 0
            ? {
                target: {
                  text: `≥ ${TARGET_SUCCESS * 100} % succeed and p99 ≤ ${TARGET_P99_FACTOR} × idle p99`,
                  met: success >= TARGET_SUCCESS && rounds.during.p99 <= TARGET_P99_FACTOR * Math.max(rounds.idle.p99, 1),
                },
              }
            : {}),
        },
        { label: `POST /v1/auth/login, the flood — ${variant.label}`, backend, load: rounds.flood },
      ];
      for (const row of rows) {
        result.measurements.push(row);
        reporter.measured(LOGIN_FLOOD_ID, row);
      }
      const legitimateStatuses = rounds.everyDuring
        .flatMap((load) => Object.entries(load.statuses))
        .reduce<Record<string, number>>((all, [status, count]) => ({ ...all, [status]: (all[status] ?? 0) + count }), {});
      for (const [label, value] of [
        [`legitimate sign-ins during the flood that succeeded — ${variant.label}`, `${succeeded} of ${attempted} (${(success * 100).toFixed(1)} %)`],
        [`legitimate answers during the flood by status, every round — ${variant.label}`, statusList(legitimateStatuses)],
        [`flood answers by status, every round — ${variant.label}`, statusList(rounds.floodStatuses)],
        [`legitimate p99 idle / during, every round (ms) — ${variant.label}`, `${rounds.idleP99s.join(', ')} / ${rounds.duringP99s.join(', ')}`],
        [`legitimate p99 during ÷ p99 idle — ${variant.label}`, Number(ratio.toFixed(2))],
      ] as const) {
        result.facts.push({ label, value, backend });
        reporter.fact(LOGIN_FLOOD_ID, label, value);
      }
    } finally {
      await service?.stop();
      await database.drop();
    }
  }
  return result;
}
