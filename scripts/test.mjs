#!/usr/bin/env node
// Runs every test of the repository: lint, build (which type-checks), unit and integration tests, browser tests, and
// the service and library suites and one browser spec again under Node 24.
// Ends with one plain line "N passed, N failed, N skipped" for CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const reports = join(root, 'test-results');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

function run(title, command, args, env = {}) {
  console.log(`\n▶ ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function say(line) {
  console.log(`• ${line}`);
}

say(process.env.DATABASE_URL ? 'PostgreSQL suites: on (DATABASE_URL is set)' : 'PostgreSQL suites: SKIPPED because DATABASE_URL is not set (.ci/run sets it)');
say(process.env.REDIS_URL ? 'Redis suites: on (REDIS_URL is set)' : 'Redis suites: SKIPPED because REDIS_URL is not set (.ci/run sets it)');

const hasBrowserTests = existsSync(join(root, 'e2e', 'playwright.config.ts'));
if (hasBrowserTests && !existsSync('/usr/bin/chromium')) {
  // Browser tests use Debian's Chromium; Playwright's own browser download is not available here.
  if (process.getuid?.() === 0) {
    run('install Chromium', 'sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium']);
  } else {
    say('Chromium is missing and we are not root: install it with `sudo apt-get install -y chromium`');
  }
}

const stages = [];
stages.push(['lint', run('lint', 'npm', ['run', 'lint'])]);
const built = run('build', 'npm', ['run', 'build']);
stages.push(['build', built]);
stages.push(['typecheck (sources and tests)', built && run('typecheck', 'npm', ['run', 'typecheck'])]);

const counts = { passed: 0, failed: 0, skipped: 0 };
const vitestReport = join(reports, 'vitest.json');
stages.push([
  'unit and integration tests',
  built && run('unit and integration tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]),
]);
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
  counts.passed += report.numPassedTests ?? 0;
  counts.failed += report.numFailedTests ?? 0;
  counts.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

// The user-service fuzzed against its own OpenAPI document (packages/openapi-fuzz): its own service on a free port and
// a temp data dir, bounded by FUZZ_TIME_LIMIT (240 s by default); a failure prints the FUZZ_SEED that replays it.
const fuzzReport = join(reports, 'openapi-fuzz.json');
stages.push([
  'OpenAPI fuzz',
  built &&
    run('OpenAPI fuzz', 'npx', [
      'vitest',
      'run',
      '-c',
      'packages/openapi-fuzz/vitest.fuzz.config.ts',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${fuzzReport}`,
    ]),
]);
if (existsSync(fuzzReport)) {
  const report = JSON.parse(readFileSync(fuzzReport, 'utf8'));
  counts.passed += report.numPassedTests ?? 0;
  counts.failed += report.numFailedTests ?? 0;
  counts.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

// The second run repeats only the single-sign-on spec, with the provider signing with ES256 (SIGNING_ALG).
const browserRuns = [
  ['browser tests', 'e2e/playwright.config.ts', 'playwright.json'],
  ['browser tests, single sign-on under ES256', 'e2e/playwright.es256.config.ts', 'playwright-es256.json'],
  // A fresh Next.js app outside the repository, wired only from docs/next-library.md, installed from the packed tarballs.
  ['adoption test (npm run test:adoption)', 'e2e/adoption/playwright.config.ts', 'playwright-adoption.json'],
];
for (const [title, config, reportName] of hasBrowserTests ? browserRuns : []) {
  const playwrightReport = join(reports, reportName);
  const ok = built && run(title, 'npx', ['playwright', 'test', '-c', config, '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport });
  stages.push([title, ok]);
  if (existsSync(playwrightReport)) {
    const { stats } = JSON.parse(readFileSync(playwrightReport, 'utf8'));
    counts.passed += (stats?.expected ?? 0) + (stats?.flaky ?? 0);
    counts.failed += stats?.unexpected ?? 0;
    counts.skipped += stats?.skipped ?? 0;
  }
}

// Node 24 is the production runtime (deploy/Dockerfile), the machine's Node 20 the floor: the service, library and
// contracts suites and one browser spec run again under 24, from the npm registry's node@24 package. The harnesses
// start services with process.execPath, so those run under 24 too.
const node24 = ['-y', '-p', 'node@24', 'node'];
const node24Vitest = join(reports, 'vitest-node24.json');
const node24Projects = ['user-service', 'next-lib', 'contracts'].flatMap((project) => ['--project', project]);
stages.push([
  'Node 24: user-service, library and contracts tests',
  built &&
    run('Node 24: user-service, library and contracts tests', 'npx', [
      ...node24,
      'node_modules/vitest/vitest.mjs',
      'run',
      ...node24Projects,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${node24Vitest}`,
    ]),
]);
if (existsSync(node24Vitest)) {
  const report = JSON.parse(readFileSync(node24Vitest, 'utf8'));
  counts.passed += report.numPassedTests ?? 0;
  counts.failed += report.numFailedTests ?? 0;
  counts.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (hasBrowserTests) {
  const node24Browser = join(reports, 'playwright-node24.json');
  const ok =
    built &&
    run(
      'Node 24: sign-in in the browser',
      'npx',
      [...node24, 'node_modules/@playwright/test/cli.js', 'test', '-c', 'e2e/playwright.config.ts', 'sign-in.spec.ts', '--reporter=list,json'],
      { PLAYWRIGHT_JSON_OUTPUT_NAME: node24Browser },
    );
  stages.push(['Node 24: sign-in in the browser', ok]);
  if (existsSync(node24Browser)) {
    const { stats } = JSON.parse(readFileSync(node24Browser, 'utf8'));
    counts.passed += (stats?.expected ?? 0) + (stats?.flaky ?? 0);
    counts.failed += stats?.unexpected ?? 0;
    counts.skipped += stats?.skipped ?? 0;
  }
}

console.log('\nStages:');
for (const [name, ok] of stages) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}`);
const failedStages = stages.filter(([, ok]) => !ok).length;
if (failedStages > 0 && counts.failed === 0) counts.failed = failedStages;
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failedStages === 0 ? 0 : 1);
