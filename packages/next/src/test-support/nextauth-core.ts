import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { NextAuthOptions } from 'next-auth';

/** What next-auth's core answers before the Next.js adapter turns it into a Response. */
export interface CoreResponse {
  status?: number;
  redirect?: string;
  cookies?: Array<{ name: string; value: string; options: Record<string, unknown> }>;
}

type AuthHandler = (params: { req: Request; options: NextAuthOptions }) => Promise<CoreResponse>;

// next-auth's route adapter reads `next/headers`, which only works inside a Next.js request; its core takes a plain
// Request. The core is not in the package's `exports`, so it is loaded by file path (tests only).
const requireHere = createRequire(import.meta.url);
const core = requireHere(path.join(path.dirname(requireHere.resolve('next-auth')), 'core', 'index.js')) as { AuthHandler: AuthHandler };

/** Runs one NextAuth request through the same options the app's route uses. */
export function nextAuthCore(options: NextAuthOptions, request: Request): Promise<CoreResponse> {
  return core.AuthHandler({ req: request, options });
}

/** A CSRF cookie value and the token that matches it (next-auth's double-submit: `token|sha256(token + secret)`). */
export function csrfPair(secret: string): { token: string; cookieValue: string } {
  const token = randomBytes(32).toString('hex');
  return { token, cookieValue: `${token}|${createHash('sha256').update(`${token}${secret}`).digest('hex')}` };
}

/** `name=value; …` of the cookies a core response sets (expired ones left out). */
export function cookieHeaderOf(response: CoreResponse, extra: Record<string, string> = {}): string {
  const pairs = new Map(Object.entries(extra));
  for (const cookie of response.cookies ?? []) {
    if (cookie.value === '' || cookie.options.maxAge === 0) pairs.delete(cookie.name);
    else pairs.set(cookie.name, cookie.value);
  }
  return [...pairs].map(([name, value]) => `${name}=${value}`).join('; ');
}
