import { CsrfRejectedError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type OriginCheck = { ok: true } | { ok: false; reason: string };

/**
 * CSRF defence for everything NextAuth's token does not cover (OWASP ASVS 5.0 §3.5.1, Fetch Metadata):
 * a state-changing request must say it comes from our exact origin, and the browser's `Sec-Fetch-Site`, when
 * sent, must be `same-origin`. A missing `Origin` is refused, and so is `Origin: null` (CVE-2026-27978 class).
 */
export function checkSameOrigin(request: { method: string; headers: Headers }, appOrigin: string): OriginCheck {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return { ok: true };
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') return { ok: false, reason: `sec-fetch-site ${site}` };
  const origin = request.headers.get('origin');
  if (origin === null) return { ok: false, reason: 'no origin' };
  if (origin !== appOrigin) return { ok: false, reason: 'foreign origin' };
  return { ok: true };
}

export function assertSameOrigin(request: { method: string; headers: Headers }, appOrigin: string): void {
  const check = checkSameOrigin(request, appOrigin);
  if (!check.ok) throw new CsrfRejectedError(check.reason);
}
