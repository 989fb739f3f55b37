// Serves the built app through @portcullis/next/server: WEB_PORT, WEB_HOST (default 127.0.0.1), API_URL, NEXTAUTH_URL,
// NEXTAUTH_SECRET (generated once into DATA_DIR when unset), DATA_DIR, TRUST_PROXY and PORTCULLIS_APP_CREDENTIAL,
// resolved by the repo's shared start script.
import { fileURLToPath } from 'node:url';
import { startNextApp } from '../../../scripts/next-app-start.mjs';

await startNextApp({
  name: 'web',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  portVariable: 'WEB_PORT',
  defaultPort: 3000,
  hostVariable: 'WEB_HOST',
  secretFile: 'nextauth-secret',
});
