export interface SecurityHeaderOptions {
  nonce: string;
  /** `next start`: no `unsafe-eval`, HSTS on. */
  production: boolean;
  /** The app is served over https: upgrade subresources. */
  https: boolean;
  /** Origins forms may post to besides our own: the OpenID Provider's, for the end-session form (oidc mode). */
  formActionOrigins?: readonly string[];
  /** The page's URL carries a secret (`?token=` of a link from a mail): no other site may learn it from `Referer`. */
  secretInUrl?: boolean;
}

/** A CSP with a per-request nonce and `strict-dynamic` (the Next.js CSP guide's strict policy). */
function contentSecurityPolicy(options: SecurityHeaderOptions): string {
  const scriptSrc = [`'self'`, `'nonce-${options.nonce}'`, `'strict-dynamic'`];
  // React needs eval only for its development-time stack reconstruction.
  if (!options.production) scriptSrc.push(`'unsafe-eval'`);
  const directives = [
    `default-src 'self'`,
    `script-src ${scriptSrc.join(' ')}`,
    `style-src 'self' 'nonce-${options.nonce}'`,
    `img-src 'self' data: blob:`,
    `font-src 'self'`,
    `connect-src 'self'`,
    `object-src 'none'`,
    `base-uri 'none'`,
    // Forms go to our own origin only — and, with single sign-on, to the provider's end-session endpoint.
    `form-action ${["'self'", ...(options.formActionOrigins ?? [])].join(' ')}`,
    // Clickjacking: nobody may frame the app (OWASP ASVS 5.0 §3.4.6).
    `frame-ancestors 'none'`,
  ];
  if (options.https) directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}

/** Headers for every response the proxy produces or passes on (OWASP ASVS 5.0 §3.4). */
export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(options),
    // A link's token must not reach another site in `Referer` (OWASP Forgot Password Cheat Sheet: "Referrer Policy").
    'referrer-policy': options.secretInUrl === true ? 'no-referrer' : 'strict-origin-when-cross-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // `same-origin-allow-popups`: the approval popup (RFC 9700 §4.17 postMessage flow) keeps its opener.
    'cross-origin-opener-policy': 'same-origin-allow-popups',
  };
  if (options.production) headers['strict-transport-security'] = 'max-age=63072000; includeSubDomains';
  return headers;
}
