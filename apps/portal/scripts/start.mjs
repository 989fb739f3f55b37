// Serves the built portal through @portcullis/next/server: PORTAL_PORT, PORTAL_HOST (default 127.0.0.1), API_URL,
// NEXTAUTH_URL, NEXTAUTH_SECRET (generated once into DATA_DIR when unset), DATA_DIR, TRUST_PROXY and
// PORTCULLIS_APP_CREDENTIAL, resolved by the repo's shared start script; OIDC_ISSUER, OIDC_CLIENT_ID and
// OIDC_CLIENT_SECRET must be set.
import { fileURLToPath } from 'node:url';
import { startNextApp } from '../../../scripts/next-app-start.mjs';

await startNextApp({
  name: 'portal',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  portVariable: 'PORTAL_PORT',
  defaultPort: 3001,
  hostVariable: 'PORTAL_HOST',
  secretFile: 'portal-nextauth-secret',
  // The portal signs in only through the provider: without its registration there is nothing to serve.
  required: { names: ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'], why: "npm start generates the portal's client registration" },
});
