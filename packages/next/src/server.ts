// The entry an app's start script imports to serve the built app (instead of `next start`): it decides each
// browser's address from the socket. Apart from the main entry so the server pulls in nothing of next-auth.
export { serveNextApp, stampClientAddress } from './server/client-address-server.js';
export type { AppServerOptions, RunningAppServer } from './server/client-address-server.js';
