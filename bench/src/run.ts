// `npm run bench`: runs the benchmark scenarios, prints a table as it goes, writes bench/results/<date>.json and a
// Markdown report with an SVG chart. `--smoke` runs every scenario for seconds (the test suite does this).
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './bench.js';
import { consoleReporter } from './support/console-reporter.js';
import { REPO_ROOT } from './support/processes.js';
import { markdownReport, throughputChart } from './support/report.js';
import { FULL_PROFILE, SMOKE_PROFILE } from './support/report-model.js';

// Ctrl+C still runs the exit hook that stops every service and ceiling this run started.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    backends: { type: 'string' },
    out: { type: 'string' },
  },
});

const adminUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL;
const backends = (values.backends?.split(',') ?? (adminUrl === undefined ? ['pglite'] : ['pglite', 'postgres'])).filter(
  (name): name is 'pglite' | 'postgres' => name === 'pglite' || name === 'postgres',
);
if (backends.includes('postgres') && adminUrl === undefined) {
  console.error('PostgreSQL runs need DATABASE_URL (e.g. postgres://root@127.0.0.1:5432/test).');
  process.exit(1);
}
if (adminUrl === undefined) console.log('• DATABASE_URL is not set: PostgreSQL runs skipped, PGlite only.');
const profile = values.smoke ? SMOKE_PROFILE : FULL_PROFILE;
const only = values.only?.split(',');
const command = `${adminUrl === undefined ? '' : 'DATABASE_URL=… '}npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

const report = await runBench({
  profile,
  backends,
  adminUrl,
  reporter: consoleReporter(),
  command,
  ...(only === undefined ? {} : { only }),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
  },
});

const outDir = values.out ?? join(REPO_ROOT, 'bench', 'results');
await mkdir(outDir, { recursive: true });
const stamp = report.startedAt.replace(/[:]/g, '-').replace(/\..*$/, '');
const name = `${stamp}${profile.mode === 'smoke' ? '-smoke' : ''}`;
await writeFile(join(outDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(join(outDir, `${name}.svg`), throughputChart(report));
await writeFile(join(outDir, `${name}.md`), markdownReport(report, `${name}.svg`));
console.log(`\nWrote ${join(outDir, `${name}.json`)}, ${name}.md and ${name}.svg`);
