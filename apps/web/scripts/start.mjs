// Serves the built app (`next start`): WEB_PORT, WEB_HOST, API_URL, NEXTAUTH_URL, NEXTAUTH_SECRET (generated once
// into DATA_DIR when unset) and DATA_DIR, resolved by the repo's shared start script.
import { fileURLToPath } from 'node:url';
import { startNextApp } from '../../../scripts/next-app-start.mjs';

startNextApp({
  name: 'web',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  portVariable: 'WEB_PORT',
  defaultPort: 3000,
  hostVariable: 'WEB_HOST',
  secretFile: 'nextauth-secret',
});
