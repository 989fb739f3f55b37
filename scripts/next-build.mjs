#!/usr/bin/env node
// `next build` for an app of this repository (run from the app's folder), always as a production build. Next.js builds
// with NODE_ENV=production and treats any other value as a mistake in the environment
// (https://nextjs.org/docs/messages/non-standard-node-env); a NODE_ENV=development left in a shell otherwise breaks
// prerendering (`/_global-error`: React's development build inside a production bundle).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(`${process.cwd()}/`);
const build = spawnSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
process.exit(build.status ?? 1);
