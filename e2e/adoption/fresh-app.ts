import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { logDir, repoRoot } from '../harness/processes.js';
import { wiringFiles } from './wiring-snippets.js';

/** The versions this repository builds and tests with, from its lockfile: the fresh app gets the same ones. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/**
 * The environment of npm and Next in the fresh app: without the `npm_*` variables of an enclosing `npm run`, which
 * would point npm back at this repository, and with the NODE_ENV the step needs (npm skips dev dependencies under
 * `production`; `next build` wants it).
 */
function outsideEnv(nodeEnv: 'development' | 'production'): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  return { ...inherited, NODE_ENV: nodeEnv, NEXT_TELEMETRY_DISABLED: '1' };
}

/** Runs a command to completion, its output in e2e/test-results/logs/adoption-<step>.log. */
async function run(step: string, command: string, args: string[], options: { cwd: string; nodeEnv: 'development' | 'production' }): Promise<string> {
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `adoption-${step}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { cwd: options.cwd, env: outsideEnv(options.nodeEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    log.write(chunk);
  });
  child.stderr.pipe(log);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  log.end();
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed with ${code}; see ${logFile}`);
  return stdout;
}

/** Packs @portcullis/contracts and @portcullis/next as they would be published; returns the tarballs' paths. */
export async function packLibrary(destination: string): Promise<string[]> {
  const output = await run('pack', 'npm', ['pack', '--json', '-w', '@portcullis/contracts', '-w', '@portcullis/next', '--pack-destination', destination], {
    cwd: repoRoot,
    nodeEnv: 'development',
  });
  const packed = JSON.parse(output) as Array<{ filename: string }>;
  return packed.map(({ filename }) => path.join(destination, filename));
}

// create-next-app's TypeScript settings (strict, the `@/*` alias the doc's snippets import through).
const CREATE_NEXT_APP_TSCONFIG = {
  compilerOptions: {
    target: 'ES2017',
    lib: ['dom', 'dom.iterable', 'esnext'],
    allowJs: true,
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    esModuleInterop: true,
    module: 'esnext',
    moduleResolution: 'bundler',
    resolveJsonModule: true,
    isolatedModules: true,
    jsx: 'react-jsx',
    incremental: true,
    plugins: [{ name: 'next' }],
    paths: { '@/*': ['./*'] },
  },
  include: ['next-env.d.ts', '**/*.ts', '**/*.tsx', '.next/types/**/*.ts', '.next/dev/types/**/*.ts', '**/*.mts'],
  exclude: ['node_modules'],
};

/**
 * A brand-new Next.js App Router app in `dir` (outside this repository): what create-next-app would write, the
 * packed tarballs and next-auth installed from the registry as the quick start says, every file of the doc's
 * Wiring section copied verbatim, and `next build`. Returns the paths it copied from the doc.
 */
export async function createAdoptingApp(dir: string, tarballs: string[]): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'portcullis-adoption-app',
    version: '0.0.0',
    private: true,
    scripts: { build: 'next build', start: 'node server.mjs' },
    dependencies: { next: lockedVersion('next'), react: lockedVersion('react'), 'react-dom': lockedVersion('react-dom') },
    devDependencies: {
      typescript: lockedVersion('typescript'),
      '@types/node': lockedVersion('@types/node'),
      '@types/react': lockedVersion('@types/react'),
      '@types/react-dom': lockedVersion('@types/react-dom'),
    },
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(CREATE_NEXT_APP_TSCONFIG, null, 2)}\n`);
  await run('install', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs, `next-auth@${lockedVersion('next-auth')}`], {
    cwd: dir,
    nodeEnv: 'development',
  });

  const copied = wiringFiles(readFileSync(path.join(repoRoot, 'docs', 'next-library.md'), 'utf8'));
  for (const file of copied) {
    mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    writeFileSync(path.join(dir, file.path), file.content);
  }
  await run('build', 'npx', ['next', 'build'], { cwd: dir, nodeEnv: 'production' });
  return copied.map((file) => file.path);
}
