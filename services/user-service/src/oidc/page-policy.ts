import { randomBytes } from 'node:crypto';

/** A fresh CSP nonce per HTML answer. */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The CSP of the provider's pages: nothing but our nonce-carrying style and script. `form-action` lists our own origin
 * and the registered clients' origins, because browsers apply it to the redirects that follow a form post too (the
 * sign-in post ends at the client's redirect URI, the sign-out post at its post-logout URI). OWASP ASVS 5.0 §3.4.3.
 */
export function pagePolicy(options: { nonce: string; formActions: readonly string[]; connectSelf?: boolean }): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${options.nonce}'`,
    `script-src 'nonce-${options.nonce}'`,
    // Only the second-factor page's passkey script fetches, and only its own interaction's options.
    ...(options.connectSelf === true ? ["connect-src 'self'"] : []),
    "img-src 'self'",
    `form-action 'self' ${options.formActions.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Origins a form post of ours may end up at: the issuer and every client's redirect and post-logout URIs. */
export function formActionOrigins(clients: ReadonlyArray<{ redirect_uris: readonly string[]; post_logout_redirect_uris: readonly string[] }>): string[] {
  const origins = new Set<string>();
  for (const client of clients) {
    for (const uri of [...client.redirect_uris, ...client.post_logout_redirect_uris]) origins.add(new URL(uri).origin);
  }
  return [...origins];
}
