import { cookies, headers } from 'next/headers';
import type { CookieAttributes } from '../cookies/cookie-config.js';

export interface HeaderReader {
  get(name: string): string | null;
}

/** Where guards read the current request from (and actions write cookies); Next's APIs in an app, stubs in tests. */
export interface RequestContext {
  headers(): Promise<HeaderReader>;
  /** Expires a cookie with the attributes it was set with (a `__Host-` cookie is only removed by a `Secure` write). */
  expireCookie(name: string, attributes: CookieAttributes): Promise<void>;
  /**
   * Sets a cookie on the response being built. Works in route handlers (NextAuth's `authorize()` runs in one: Next merges
   * `cookies().set()` into the Response the handler returns) and in server actions; not while rendering a page.
   */
  setCookie(name: string, value: string, attributes: CookieAttributes & { maxAge: number }): Promise<void>;
}

export const nextRequestContext: RequestContext = {
  headers: () => headers(),
  async expireCookie(name, attributes) {
    (await cookies()).set(name, '', { ...attributes, expires: new Date(0), maxAge: 0 });
  },
  async setCookie(name, value, attributes) {
    (await cookies()).set(name, value, attributes);
  },
};
