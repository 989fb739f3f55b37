import { randomBytes } from 'node:crypto';
import { createDatabase } from '../support/databases.js';
import { runLoad, type LoadResult } from '../support/load.js';
import { BENCH_DEMO_PASSWORD, startUserService, UNTHROTTLED, type RunningProcess } from '../support/processes.js';
import type { BenchProfile, Measurement, Reporter, ScenarioResult } from '../support/report-model.js';
import { ALICE, login } from '../support/tokens.js';

export const LOGIN_STORM_ID = '3';

/**
 * Scenario 3: does password hashing starve token checks? GET /v1/me is probed at a fixed rate (so its p99 measures
 * service latency, not a saturated queue), first idle, then while a login storm of right and wrong passwords runs.
 * Target (issue 6): p99 during the storm ≤ 2 × idle p99.
 */
export async function runLoginStorm(options: {
  profile: BenchProfile;
  backend: 'pglite' | 'postgres';
  adminUrl: string | undefined;
  reporter: Reporter;
  /** Service settings under test; the defaults are the service's own. */
  serviceEnv?: Record<string, string>;
}): Promise<ScenarioResult> {
  const { profile, reporter, backend } = options;
  const serviceEnv = { PASSWORD_HASH_CONCURRENCY: '1', ...options.serviceEnv };
  const result: ScenarioResult = {
    id: LOGIN_STORM_ID,
    title: 'Login storm isolation: GET /v1/me p99, idle vs during a login storm',
    parameters: {
      backend,
      'probe: GET /v1/me rate (req/s)': profile.probeRate,
      'probe connections': Math.min(profile.connections, profile.probeRate),
      'duration per run (s)': profile.durationSeconds,
      'storm connections': profile.stormConnections,
      'storm mix': 'half alice with the right password, half unknown emails (a dummy argon2id verify each)',
      'service settings': Object.entries(serviceEnv).map(([key, value]) => `${key}=${value}`).join(', '),
    },
    measurements: [],
    facts: [],
    notes: [],
  };
  const database = await createDatabase(backend, options.adminUrl);
  let service: RunningProcess | undefined;
  try {
    reporter.step(`scenario 3 · ${backend}: starting the user-service`);
    service = await startUserService({ env: { ...database.env, ...UNTHROTTLED, ...serviceEnv } });
    const { accessToken } = await login(service.url);
    const probe = (label: string): Promise<LoadResult> =>
      runLoad({
        url: `${service?.url ?? ''}/v1/me`,
        connections: Math.min(profile.connections, profile.probeRate),
        overallRate: profile.probeRate,
        durationSeconds: profile.durationSeconds,
        headers: { authorization: `Bearer ${accessToken}` },
        onTick: (fraction) => reporter.progress(label, fraction),
      });
    if (profile.warmupSeconds > 0) await runLoad({ url: `${service.url}/v1/me`, connections: 4, durationSeconds: profile.warmupSeconds, headers: { authorization: `Bearer ${accessToken}` } });
    const idle = await probe(`3 · ${backend} · GET /v1/me idle`);
    let turn = 0;
    const storm = runLoad({
      url: `${service.url}/v1/auth/login`,
      method: 'POST',
      connections: profile.stormConnections,
      // A little longer than the probe, so the probe never sees the storm's ramp-down.
      durationSeconds: profile.durationSeconds + 1,
      headers: { 'content-type': 'application/json' },
      setupRequest: () => {
        turn += 1;
        const body = turn % 2 === 0 ? { email: ALICE, password: BENCH_DEMO_PASSWORD } : { email: `nobody-${randomBytes(6).toString('hex')}@bench.test`, password: 'wrong-password' };
        return { body: JSON.stringify(body) };
      },
    });
    // Let the storm fill the hashing queue before probing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const during = await probe(`3 · ${backend} · GET /v1/me during the storm`);
    const stormResult = await storm;
    const ratio = idle.p99 > 0 ? during.p99 / idle.p99 : 0;
    const idleRow: Measurement = { label: 'GET /v1/me, idle (fixed rate)', backend, load: idle };
    const duringRow: Measurement = {
      label: 'GET /v1/me, during login storm',
      backend,
      load: during,
      ratio,
      target: { text: 'p99 ≤ 2 × idle p99', met: during.p99 <= 2 * Math.max(idle.p99, 1) },
    };
    const stormRow: Measurement = { label: 'POST /v1/auth/login (the storm)', backend, load: stormResult };
    for (const row of [idleRow, duringRow, stormRow]) {
      result.measurements.push(row);
      reporter.measured(LOGIN_STORM_ID, row);
    }
    const statuses = Object.entries(stormResult.statuses).map(([status, count]) => `${status}: ${count}`).join(', ');
    result.facts.push({ label: 'storm answers by status', value: statuses, backend });
    result.facts.push({ label: 'p99 during / p99 idle', value: Number(ratio.toFixed(2)), backend });
    reporter.fact(LOGIN_STORM_ID, 'storm answers by status', statuses);
    reporter.fact(LOGIN_STORM_ID, 'p99 during / p99 idle', Number(ratio.toFixed(2)));
  } finally {
    await service?.stop();
    await database.drop();
  }
  return result;
}
