/**
 * Turns an untrusted `callbackUrl` into a path on the app's own origin, or `/`. Relative paths and absolute
 * URLs of the same origin pass; other origins, protocol-relative `//host` and backslash tricks do not
 * (open redirects, OWASP ASVS 5.0 §5.1.5 / RFC 9700 §4.11).
 */
export function safeCallbackPath(raw: unknown, appOrigin: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return '/';
  let url: URL;
  try {
    url = new URL(raw, appOrigin);
  } catch {
    return '/';
  }
  if (url.origin !== appOrigin) return '/';
  // A path starting with `//` would be read as protocol-relative by the browser.
  if (url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
