import path from 'node:path';
import type { NextConfig } from 'next';

// Headers for responses the proxy never sees (static assets). The proxy adds the same set plus a CSP with a
// per-request nonce on everything else (OWASP ASVS 5.0 §3.4).
const staticSecurityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin-allow-popups' },
];

/** The Next config every Portcullis app shares; `next.config.ts` of an app in `apps/<name>` exports it. */
export function portcullisNextConfig(): NextConfig {
  // Next loads the config from the app's folder, two levels below the workspace root.
  const workspaceRoot = path.resolve(process.cwd(), '../..');
  return {
    poweredByHeader: false,
    reactStrictMode: true,
    // The workspace root, so Turbopack resolves the linked @portcullis/* packages.
    turbopack: { root: workspaceRoot },
    outputFileTracingRoot: workspaceRoot,
    experimental: {
      // `forbidden()` renders app/forbidden.tsx with status 403.
      authInterrupts: true,
    },
    async headers() {
      return [{ source: '/:path*', headers: staticSecurityHeaders }];
    },
  };
}
