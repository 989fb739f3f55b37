import { randomBytes } from 'node:crypto';
import type { Role } from '@portcullis/contracts';
import { NextRequest } from 'next/server';
import { createAuth, type Auth } from '../create-auth.js';
import type { CreateAuthOptions } from '../options.js';
import type { CookieAttributes } from '../cookies/cookie-config.js';
import type { HeaderReader } from '../guards/request-context.js';
import { ATTESTATION_HEADER } from '../session/proxy-attestation.js';
import { SessionCodec } from '../tokens/session-codec.js';
import { sessionTokenFromResponse, type SessionToken } from '../tokens/session-token.js';
import { ManualClock, silentLogger } from './deferred.js';
import { FakeUserService } from './fake-user-service.js';
import { csrfPair, nextAuthCore, type CoreResponse } from './nextauth-core.js';

export const APP = 'http://localhost:3000';
/** NEXTAUTH_SECRET of this test process: random, so no secret is written into the repository. */
const SECRET = randomBytes(32).toString('base64url');
/** This app instance's credential at the (fake) user-service. */
export const APP_CREDENTIAL = randomBytes(32).toString('base64url');
export const SESSION_COOKIE = '__Host-next-auth.session-token';

/**
 * A fresh fake backend, clock and `createAuth` instance per test, plus helpers to sign in and to build
 * requests — so each test reads as the HTTP conversation it checks.
 */
export class AuthHarness {
  readonly backend = new FakeUserService();
  readonly clock = new ManualClock(Date.now());
  /** What guards see as the current request. */
  requestHeaders: HeaderReader = new Headers();
  /** Cookies a server action expired. */
  readonly expiredCookies: string[] = [];
  /** Cookies set through the request context (what Next's `cookies().set()` would put on the response), in order. */
  readonly setCookies: Array<{ name: string; value: string; attributes: CookieAttributes & { maxAge: number } }> = [];
  /** The browser's cookie jar as those writes left it: set ones added, expired ones removed. */
  readonly jar = new Map<string, string>();
  auth!: Auth;
  codec!: SessionCodec;

  /** `extra` overrides options for one test, e.g. a private `metrics` instance or a capturing `logger`. */
  async start(extra: Partial<CreateAuthOptions> = {}): Promise<this> {
    await this.backend.start();
    this.backend.now = this.clock.now;
    this.backend.appCredential = APP_CREDENTIAL;
    this.auth = createAuth(
      {
        backendUrl: this.backend.url,
        appUrl: APP,
        secret: SECRET,
        logger: silentLogger,
        now: this.clock.now,
        logoutRetryDelaysMs: [],
        appCredential: APP_CREDENTIAL,
        // The app behind a proxy on loopback, which appends the browser's address (the requests below carry one).
        trustProxy: ['127.0.0.1'],
        ...extra,
      },
      {
        runtime: 'private',
        production: true,
        requestContext: {
          headers: async () => this.requestHeaders,
          expireCookie: async (name) => {
            this.expiredCookies.push(name);
            this.jar.delete(name);
          },
          setCookie: async (name, value, attributes) => {
            this.setCookies.push({ name, value, attributes });
            this.jar.set(name, value);
          },
        },
      },
    );
    this.codec = new SessionCodec({ secret: SECRET, idleSeconds: 7 * 24 * 3600, now: this.clock.now });
    return this;
  }

  /** The `Cookie` header the browser would send now, from the jar. */
  jarHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The browser posts the sign-in form to NextAuth, with its CSRF pair and whatever cookies its jar holds. */
  async submitCredentials(fields: Record<string, string>): Promise<CoreResponse> {
    const csrf = csrfPair(this.auth.config.secret);
    const cookie = [`__Host-next-auth.csrf-token=${csrf.cookieValue}`, this.jarHeader()].filter((part) => part.length > 0).join('; ');
    return nextAuthCore(
      this.auth.authOptions,
      new Request(`${APP}/api/auth/callback/credentials`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-forwarded-for': '198.51.100.7', 'user-agent': 'vitest-browser' },
        body: JSON.stringify({ ...fields, csrfToken: csrf.token, callbackUrl: `${APP}/admin`, json: 'true' }),
      }),
    );
  }

  /** The `?error=` a NextAuth answer redirects with, or null. */
  static signInErrorOf(response: CoreResponse): string | null {
    return response.redirect ? new URL(response.redirect).searchParams.get('error') : null;
  }

  /** The session cookie a NextAuth answer sets, if any. */
  static sessionCookieOf(response: CoreResponse): string | undefined {
    return response.cookies?.find((cookie) => cookie.name === SESSION_COOKIE && cookie.value !== '')?.value;
  }

  async stop(): Promise<void> {
    await this.backend.stop();
  }

  /** A signed-in session as its cookie value, as if the browser had logged in. */
  async signIn(role: Role = 'USER', options: { amr?: readonly string[]; userId?: string } = {}): Promise<{ token: SessionToken; cookie: string }> {
    const token = sessionTokenFromResponse(this.backend.issue(role, options.userId, options.amr), this.clock.now(), { refreshLeadSeconds: 60 });
    return { token, cookie: `${SESSION_COOKIE}=${await this.codec.encode(token)}` };
  }

  request(path: string, init: { cookie?: string; method?: string; headers?: Record<string, string> } = {}): NextRequest {
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set('cookie', init.cookie);
    headers.set('user-agent', 'vitest-browser');
    headers.set('x-forwarded-for', '198.51.100.7');
    return new NextRequest(new URL(path, APP), { method: init.method ?? 'GET', headers });
  }

  /** The session cookie value a response sets, '' when it clears it, undefined when it leaves it alone. */
  static setSessionCookie(response: Response): string | undefined {
    const line = response.headers.getSetCookie().find((value) => value.startsWith(`${SESSION_COOKIE}=`));
    return line?.slice(SESSION_COOKIE.length + 1).split(';')[0];
  }

  /** The request headers the proxy hands to the page (NextResponse.next({ request: { headers } })). */
  /** Runs the proxy for `cookie` on /admin and makes the request it forwards the one guards see. */
  async throughProxy(cookie: string, extra: Record<string, string> = {}): Promise<void> {
    const response = await this.auth.proxy(this.request('/admin', { cookie }));
    const headers = new Headers({ cookie, ...extra });
    const attestation = AuthHarness.forwardedHeader(response, ATTESTATION_HEADER);
    if (attestation) headers.set(ATTESTATION_HEADER, attestation);
    headers.set('x-portcullis-path', '/admin');
    this.requestHeaders = headers;
  }

  static forwardedHeader(response: Response, name: string): string | null {
    return response.headers.get(`x-middleware-request-${name}`);
  }
}
