#!/usr/bin/env node
// Runs every test of the repository: lint, build (which type-checks), unit and integration tests, browser tests, and
// the service and library suites and one browser spec again under Node 24.
// Ends with one plain line "N passed, N failed, N skipped" for CI.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const reports = join(root, 'test-results');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

/** Seconds each stage took, by title, for the summary: the 30-minute CI budget is spent stage by stage. */
const durations = new Map();
const startedAt = Date.now();

function timed(title, since) {
  durations.set(title, Math.round((Date.now() - since) / 1000));
}

function run(title, command, args, env = {}) {
  console.log(`\n▶ ${title}: ${command} ${args.join(' ')}`);
  const since = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  timed(title, since);
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

/** Adds a stage's results, read from its JSON report, to the totals line. */
function count(report) {
  if (!existsSync(report.file)) return;
  const json = JSON.parse(readFileSync(report.file, 'utf8'));
  if (report.kind === 'vitest') {
    counts.passed += json.numPassedTests ?? 0;
    counts.failed += json.numFailedTests ?? 0;
    counts.skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  } else {
    counts.passed += (json.stats?.expected ?? 0) + (json.stats?.flaky ?? 0);
    counts.failed += json.stats?.unexpected ?? 0;
    counts.skipped += json.stats?.skipped ?? 0;
  }
}

function vitestStage(title, args, reportName, runner = ['npx', ['vitest']]) {
  const file = join(reports, reportName);
  const [command, prefix] = runner;
  return {
    title,
    command,
    args: [...prefix, 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`],
    env: {},
    report: { kind: 'vitest', file },
  };
}

function playwrightStage(title, args, reportName, runner = ['npx', ['playwright']]) {
  const file = join(reports, reportName);
  const [command, prefix] = runner;
  return { title, command, args: [...prefix, 'test', ...args, '--reporter=list,json'], env: { PLAYWRIGHT_JSON_OUTPUT_NAME: file }, report: { kind: 'playwright', file } };
}

function runStage(stage) {
  const ok = built && run(stage.title, stage.command, stage.args, stage.env);
  stages.push([stage.title, ok]);
  count(stage.report);
}

/**
 * Stages that share no state (each starts its own services on free ports, with its own temporary data) run side by
 * side; each one's output goes to its log, printed whole when it ends so the lines of two runs never interleave.
 */
async function runSideBySide(list) {
  if (!built) {
    for (const stage of list) stages.push([stage.title, false]);
    return;
  }
  const results = await Promise.all(
    list.map(
      (stage) =>
        new Promise((resolve) => {
          const log = join(reports, `${stage.report.file.replace(/^.*\//, '').replace(/\.json$/, '')}.log`);
          console.log(`\n▶ ${stage.title} (beside the others; output in ${log}): ${stage.command} ${stage.args.join(' ')}`);
          const out = openSync(log, 'w');
          const since = Date.now();
          const child = spawn(stage.command, stage.args, { cwd: root, stdio: ['ignore', out, out], env: { ...process.env, ...stage.env } });
          child.on('close', (code) => {
            timed(stage.title, since);
            closeSync(out);
            console.log(`\n▼ ${stage.title}: exit ${code}\n${readFileSync(log, 'utf8')}`);
            resolve(code === 0);
          });
        }),
    ),
  );
  list.forEach((stage, index) => {
    stages.push([stage.title, results[index]]);
    count(stage.report);
  });
}

runStage(vitestStage('unit and integration tests', [], 'vitest.json'));

if (hasBrowserTests) {
  runStage(playwrightStage('browser tests', ['-c', 'e2e/playwright.config.ts'], 'playwright.json'));
  // The single-sign-on spec again, with the provider signing with ES256 (SIGNING_ALG).
  runStage(playwrightStage('browser tests, single sign-on under ES256', ['-c', 'e2e/playwright.es256.config.ts'], 'playwright-es256.json'));
}

await runSideBySide([
  // The user-service fuzzed against its own OpenAPI document (packages/openapi-fuzz), bounded by FUZZ_TIME_LIMIT
  // (240 s by default); a failure prints the FUZZ_SEED that replays it.
  vitestStage('OpenAPI fuzz', ['-c', 'packages/openapi-fuzz/vitest.fuzz.config.ts'], 'openapi-fuzz.json'),
  // A fresh Next.js app outside the repository, wired only from docs/next-library.md, installed from the packed tarballs.
  ...(hasBrowserTests ? [playwrightStage('adoption test (npm run test:adoption)', ['-c', 'e2e/adoption/playwright.config.ts'], 'playwright-adoption.json')] : []),
]);

// Node 24 is the production runtime (deploy/Dockerfile), the machine's Node 20 the floor: the library and contracts
// suites, the service's suites of what depends on the runtime, and one browser spec run again under 24, from the npm
// registry's node@24 package. The harnesses start services with process.execPath, so those run under 24 too.
const node24 = (entry) => ['npx', ['-y', '-p', 'node@24', 'node', entry]];
const node24Projects = ['user-service', 'next-lib', 'contracts'].flatMap((project) => ['--project', project]);
// What a runtime can change: WebCrypto and native hashing threads (tokens, passwords, second factors), the embedded
// database and its driver (sessions, the start and restart tests), TLS and sockets (mail) and the OpenID Provider on
// Koa. The route and CLI suites above them are plain JavaScript already run under 20; leaving them out keeps .ci/run
// inside its 30 minutes (docs/deployment.md#runtime-nodejs-24).
const node24Paths = [
  'packages/contracts',
  'packages/next',
  ...['tokens', 'passwords', 'mfa', 'sessions', 'mail', 'oidc', 'app.test.ts', 'restart.test.ts'].map((part) => `services/user-service/src/${part}`),
];
runStage(
  vitestStage(
    'Node 24: library, contracts and runtime-dependent service tests',
    [...node24Paths, ...node24Projects],
    'vitest-node24.json',
    node24('node_modules/vitest/vitest.mjs'),
  ),
);
if (hasBrowserTests) {
  runStage(
    playwrightStage(
      'Node 24: sign-in in the browser',
      ['-c', 'e2e/playwright.config.ts', 'sign-in.spec.ts'],
      'playwright-node24.json',
      node24('node_modules/@playwright/test/cli.js'),
    ),
  );
}

console.log('\nStages:');
for (const [name, ok] of stages) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${durations.has(name) ? ` (${durations.get(name)} s)` : ''}`);
console.log(`  in all ${Math.round((Date.now() - startedAt) / 1000)} s`);
const failedStages = stages.filter(([, ok]) => !ok).length;
if (failedStages > 0 && counts.failed === 0) counts.failed = failedStages;
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failedStages === 0 ? 0 : 1);
