import type { BenchProfile, BenchReport, Reporter, ScenarioResult } from './support/report-model.js';
import { runAppRefreshStorm } from './scenarios/app-refresh-storm.js';
import { runAppSessionRead, WEB_APP_BUILT } from './scenarios/app-session-read.js';
import { runLoginFlood } from './scenarios/login-flood.js';
import { runLoginStorm } from './scenarios/login-storm.js';
import { runStorageGrowth } from './scenarios/storage-growth.js';
import { runThroughput } from './scenarios/throughput.js';

/** Runs the chosen scenarios one after the other (never side by side: they would measure each other). */
export async function runBench(options: {
  profile: BenchProfile;
  backends: ReadonlyArray<'pglite' | 'postgres'>;
  adminUrl: string | undefined;
  reporter: Reporter;
  command: string;
  machine: BenchReport['machine'];
  only?: readonly string[];
}): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const wanted = (id: string): boolean => options.only === undefined || options.only.includes(id);
  const scenarios: ScenarioResult[] = [];
  const common = { profile: options.profile, adminUrl: options.adminUrl, reporter: options.reporter };
  const appBackend = options.backends.includes('postgres') ? 'postgres' : 'pglite';
  if (wanted('1')) {
    if (WEB_APP_BUILT) scenarios.push(await runAppRefreshStorm({ ...common, backend: appBackend }));
    else options.reporter.step('scenario 1 skipped: apps/web is not built (npm run build)');
  }
  if (wanted('2')) scenarios.push(await runThroughput({ ...common, backends: options.backends }));
  // The storm runs where the issue sets its target: PostgreSQL when available.
  if (wanted('3')) {
    scenarios.push(
      await runLoginStorm({
        ...common,
        backend: options.backends.includes('postgres') ? 'postgres' : 'pglite',
        // The full run also shows the same storm with hashing at normal priority: why the default is nice 10.
        ...(options.profile.mode === 'full'
          ? {
              variants: [
                { label: 'defaults (hashing threads at nice 10, 1 at a time)', env: {} },
                { label: 'PASSWORD_HASH_NICE=0', env: { PASSWORD_HASH_NICE: '0' } },
              ],
            }
          : {}),
      }),
    );
  }
  // Beside scenario 3 (the same question for sign-ins instead of token checks), where its target applies: PostgreSQL.
  if (wanted('6')) {
    scenarios.push(
      await runLoginFlood({
        ...common,
        backend: options.backends.includes('postgres') ? 'postgres' : 'pglite',
        // The full run also shows the same flood with busy refusals answered at once: why the default holds them.
        ...(options.profile.mode === 'full'
          ? {
              variants: [
                { label: 'defaults (busy refusals held 1 s)', env: {} },
                { label: 'PASSWORD_HASH_BUSY_HOLD=0', env: { PASSWORD_HASH_BUSY_HOLD: '0' } },
              ],
            }
          : {}),
      }),
    );
  }
  if (wanted('4')) {
    if (WEB_APP_BUILT) scenarios.push(await runAppSessionRead({ ...common, backend: appBackend }));
    else options.reporter.step('scenario 4 skipped: apps/web is not built (npm run build)');
  }
  if (wanted('5')) scenarios.push(await runStorageGrowth({ ...common, backends: options.backends }));
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: options.command,
    mode: options.profile.mode,
    machine: options.machine,
    backends: options.backends,
    scenarios,
  };
}
