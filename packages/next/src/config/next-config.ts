import type { NextConfig } from 'next';

// Headers for responses the proxy never sees (static assets). The proxy adds the same set plus a CSP with a
// per-request nonce on everything else (OWASP ASVS 5.0 §3.4).
const staticSecurityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin-allow-popups' },
];

export interface PortcullisNextConfigOptions {
  /**
   * The monorepo root, for an app whose packages are linked from a workspace above it: Turbopack resolves and
   * traces files from there. A standalone app leaves it unset and Next.js uses the app's own folder.
   */
  workspaceRoot?: string;
}

/** The Next config every Portcullis app shares: security headers, `forbidden()`, and the workspace root if given. */
export function portcullisNextConfig(options: PortcullisNextConfigOptions = {}): NextConfig {
  const { workspaceRoot } = options;
  return {
    poweredByHeader: false,
    reactStrictMode: true,
    ...(workspaceRoot === undefined ? {} : { turbopack: { root: workspaceRoot }, outputFileTracingRoot: workspaceRoot }),
    experimental: {
      // `forbidden()` renders app/forbidden.tsx with status 403.
      authInterrupts: true,
    },
    async headers() {
      return [{ source: '/:path*', headers: staticSecurityHeaders }];
    },
  };
}
