// The boundary rules of .dependency-cruiser.cjs, each shown to fire: a small repository laid out like ours, with one
// import per rule that breaks it and one beside it that is allowed, checked by the same command `npm run lint` runs.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

/** Source files of the fixture repository: path → the imports it makes. */
const FIXTURE: Record<string, string[]> = {
  'packages/contracts/src/index.ts': [],
  'packages/contracts/src/roles.ts': ['./index.js'],
  'packages/contracts/src/reaches-library.ts': ['../../next/src/index.js'],
  'packages/contracts/src/reaches-service-package.ts': ['@portcullis/user-service'],
  'packages/next/src/index.ts': ['@portcullis/contracts'],
  'packages/next/src/reaches-service.ts': ['../../../services/user-service/src/config.js'],
  'packages/next/src/reaches-app.ts': ['../../../apps/web/lib/env.js'],
  'packages/next/src/test-support/fake.ts': [],
  'packages/next/src/reaches-test-support.ts': ['./test-support/fake.js'],
  'packages/next/src/index.test.ts': ['./test-support/fake.js', './index.js'],
  'apps/web/lib/env.ts': ['@portcullis/next', '@portcullis/contracts'],
  'apps/web/lib/reaches-service.ts': ['../../../services/user-service/src/config.js'],
  'apps/web/lib/reaches-service-package.ts': ['@portcullis/user-service'],
  'apps/web/lib/reaches-e2e.ts': ['../../../e2e/harness/env.js'],
  'bench/baseline-app/lib/reaches-service-package.ts': ['@portcullis/user-service'],
  'services/user-service/src/config.ts': ['@portcullis/contracts'],
  'services/user-service/src/reaches-library.ts': ['@portcullis/next'],
  'services/user-service/src/db/database.ts': ['drizzle-orm', 'pg'],
  'services/user-service/src/users/user-store.ts': ['../db/database.js', 'drizzle-orm'],
  'services/user-service/src/routes/users.ts': ['../users/user-store.js'],
  'services/user-service/src/routes/reaches-database.ts': ['../db/database.js'],
  'services/user-service/src/routes/reaches-orm.ts': ['drizzle-orm'],
  'services/user-service/src/routes/reaches-database.test.ts': ['../db/database.js'],
  'services/user-service/src/http/reaches-driver.ts': ['pg'],
  'services/user-service/src/oidc/routes.ts': ['../db/database.js'],
  'services/user-service/src/cycle-a.ts': ['./cycle-b.js'],
  'services/user-service/src/cycle-b.ts': ['./cycle-a.js'],
  'e2e/harness/env.ts': ['@portcullis/contracts'],
};

/** Installed packages the fixture imports; our own are links to their folders, as npm workspaces make them. */
const INSTALLED = ['drizzle-orm', 'pg'];
const WORKSPACES: Record<string, string> = { contracts: 'packages/contracts', next: 'packages/next', 'user-service': 'services/user-service' };

interface Violation {
  rule: string;
  from: string;
  to: string;
}

interface CruiseReport {
  summary: { violations: Array<{ rule: { name: string }; from: string; to: string; cycle?: Array<{ name: string }> }> };
}

let fixture: string;
let violations: Violation[];

function runDepcruise(cwd: string): Promise<string> {
  const args = ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'packages', 'services', 'apps', 'bench', 'e2e'];
  return new Promise((resolve, reject) => {
    // depcruise exits non-zero when it finds violations: that is the expected outcome here, its report is on stdout.
    execFile(depcruise, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (stdout.trim() === '') reject(new Error(`depcruise printed no report: ${stderr || error?.message}`));
      else resolve(stdout);
    });
  });
}

function violationsOf(rule: string): string[] {
  return violations.filter((violation) => violation.rule === rule).map((violation) => `${violation.from} → ${violation.to}`);
}

beforeAll(async () => {
  fixture = await mkdtemp(join(tmpdir(), 'portcullis-boundaries-'));
  await copyFile(join(root, '.dependency-cruiser.cjs'), join(fixture, '.dependency-cruiser.cjs'));
  for (const [path, imports] of Object.entries(FIXTURE)) {
    await mkdir(dirname(join(fixture, path)), { recursive: true });
    await writeFile(join(fixture, path), `${imports.map((target) => `import '${target}';`).join('\n')}\nexport {};\n`);
  }
  for (const name of INSTALLED) {
    await mkdir(join(fixture, 'node_modules', name), { recursive: true });
    await writeFile(join(fixture, 'node_modules', name, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
    await writeFile(join(fixture, 'node_modules', name, 'index.js'), 'module.exports = {};\n');
  }
  for (const [name, folder] of Object.entries(WORKSPACES)) {
    await writeFile(join(fixture, folder, 'package.json'), JSON.stringify({ name: `@portcullis/${name}`, main: 'src/index.ts' }));
  }
  // The service is linked (as if built), the library and the contracts are not (as before `npm run build`): a rule
  // must hold for both spellings of a workspace import.
  await mkdir(join(fixture, 'node_modules', '@portcullis'), { recursive: true });
  await writeFile(join(fixture, 'services/user-service/src/index.ts'), 'export {};\n');
  await symlink(join(fixture, 'services/user-service'), join(fixture, 'node_modules/@portcullis/user-service'), 'dir');

  const report = JSON.parse(await runDepcruise(fixture)) as CruiseReport;
  violations = report.summary.violations.map((violation) => ({
    rule: violation.rule.name,
    from: violation.from,
    to: violation.cycle ? violation.cycle.map((step) => step.name).join(' → ') : violation.to,
  }));
}, 60_000);

afterAll(async () => {
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

describe('the boundaries npm run lint keeps', () => {
  it('lets the contracts import only themselves', () => {
    expect(violationsOf('contracts-import-nothing-of-ours')).toEqual([
      'packages/contracts/src/reaches-library.ts → packages/next/src/index.ts',
      'packages/contracts/src/reaches-service-package.ts → node_modules/@portcullis/user-service/src/index.ts',
    ]);
  });

  it('keeps the library away from the apps and the service, but lets it import the contracts', () => {
    expect(violationsOf('library-imports-no-app-or-service')).toEqual([
      'packages/next/src/reaches-app.ts → apps/web/lib/env.ts',
      'packages/next/src/reaches-service.ts → services/user-service/src/config.ts',
    ]);
  });

  it('keeps every Next.js app, the bench baseline too, away from the service code', () => {
    expect(violationsOf('apps-import-no-service-code')).toEqual([
      'apps/web/lib/reaches-service-package.ts → node_modules/@portcullis/user-service/src/index.ts',
      'apps/web/lib/reaches-service.ts → services/user-service/src/config.ts',
      'bench/baseline-app/lib/reaches-service-package.ts → node_modules/@portcullis/user-service/src/index.ts',
    ]);
  });

  it('keeps the service away from the library, named before it is built', () => {
    expect(violationsOf('service-imports-no-library-or-app-code')).toEqual(['services/user-service/src/reaches-library.ts → @portcullis/next']);
  });

  it('sends route handlers to the stores: no database module, ORM or driver from the HTTP edge, tests excepted', () => {
    expect(violationsOf('http-edge-reaches-storage-through-stores')).toEqual([
      'services/user-service/src/http/reaches-driver.ts → node_modules/pg/index.js',
      'services/user-service/src/oidc/routes.ts → services/user-service/src/db/database.ts',
      'services/user-service/src/routes/reaches-database.ts → services/user-service/src/db/database.ts',
      'services/user-service/src/routes/reaches-orm.ts → node_modules/drizzle-orm/index.js',
    ]);
  });

  it('refuses an import cycle', () => {
    expect(violationsOf('no-circular')).toEqual(expect.arrayContaining([expect.stringMatching(/^services\/user-service\/src\/cycle-[ab]\.ts → .*cycle-[ab]\.ts/)]));
  });

  it('keeps tests, test support and the e2e harness out of production code', () => {
    expect(violationsOf('production-imports-no-tests')).toEqual([
      'apps/web/lib/reaches-e2e.ts → e2e/harness/env.ts',
      'packages/next/src/reaches-test-support.ts → packages/next/src/test-support/fake.ts',
    ]);
  });

  it('lets every other import of the fixture through', () => {
    const breaking = (path: string): boolean => /\/(reaches-[^/]*(?<!\.test)\.ts|cycle-[ab]\.ts|oidc\/routes\.ts)$/.test(path);
    const allowed = Object.keys(FIXTURE).filter((path) => !breaking(path));
    expect(allowed).toContain('services/user-service/src/routes/reaches-database.test.ts');
    expect(violations.filter((violation) => allowed.includes(violation.from))).toEqual([]);
  });
});
