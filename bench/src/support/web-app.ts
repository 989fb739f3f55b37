import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_APP_CREDENTIAL, freePort, REPO_ROOT, startNodeProcess } from './processes.js';
import type { Cookies } from './web.js';

/** Whether `apps/web` has a production build (`npm run build`); the app-driving fault tests skip without one. */
export const WEB_BUILT = existsSync(join(REPO_ROOT, 'apps/web/.next/BUILD_ID'));

/** The clock preload, compiled by the bench build like the ceilings. */
const CLOCK_SKEW_PRELOAD = fileURLToPath(new URL('../../dist/support/clock-skew.js', import.meta.url));

/** apps/web's session cookie (and its chunks `.0`, `.1`, …) and the "session ended" marker, secure or not. */
const SESSION_COOKIE = /^(__Host-)?next-auth\.session-token(\.\d+)?$/;
const SESSION_ENDED_COOKIE = /^(__Host-)?portcullis\.session-ended$/;

export interface RunningWebApp {
  /** The address the app believes it has (NEXTAUTH_URL): cookies, redirects and origin checks name it. */
  readonly appUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the built web app (`apps/web/scripts/start.mjs`, i.e. `next start`) against `apiUrl`. `clockOffsetMs`
 * runs the app (and only the app) with its wall clock shifted (`clock-skew.ts`).
 */
export async function startWebApp(options: { apiUrl: string; clockOffsetMs?: number; name?: string }): Promise<RunningWebApp> {
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-web-fault-'));
  const skew: Record<string, string> =
    options.clockOffsetMs === undefined ? {} : { NODE_OPTIONS: `--import ${CLOCK_SKEW_PRELOAD}`, PORTCULLIS_TEST_CLOCK_OFFSET_MS: String(options.clockOffsetMs) };
  try {
    const running = await startNodeProcess({
      name: options.name ?? 'web',
      script: join(REPO_ROOT, 'apps/web/scripts/start.mjs'),
      port,
      readyPath: '/signin',
      timeoutMs: 90_000,
      env: {
        WEB_PORT: String(port),
        API_URL: options.apiUrl,
        NEXTAUTH_URL: appUrl,
        NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
        DATA_DIR: dataDir,
        // The user-service of these benchmarks knows it (UNTHROTTLED).
        PORTCULLIS_APP_CREDENTIAL: BENCH_APP_CREDENTIAL,
        ...skew,
      },
    });
    return {
      appUrl,
      async stop() {
        await running.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** What one page load showed a signed-in browser. */
export interface PageVisit {
  readonly status: number;
  readonly body: string;
  readonly location: string | null;
  readonly retryAfter: string | null;
  /** The answer ended the session: sent to sign-in, the session cookie cleared, or the "session ended" marker set. */
  readonly signedOut: boolean;
  /** The answer carried a rotated session cookie. */
  readonly rotated: boolean;
}

/**
 * Loads a page the way a browser does (no redirect following, cookies kept from the answer). `baseUrl` may be any
 * instance of the app; the Host header stays the app's public one so the app sees the address its cookies belong to.
 */
export async function visitPage(options: { baseUrl: string; appUrl: string; cookies: Cookies; path?: string }): Promise<PageVisit> {
  const response = await fetch(`${options.baseUrl}${options.path ?? '/'}`, {
    redirect: 'manual',
    headers: { cookie: options.cookies.header(), host: new URL(options.appUrl).host },
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  const writes = response.headers.getSetCookie().map((line) => {
    const [pair = ''] = line.split(';');
    const index = pair.indexOf('=');
    return { name: pair.slice(0, index), value: pair.slice(index + 1), expired: /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line) };
  });
  const session = writes.filter((write) => SESSION_COOKIE.test(write.name));
  const location = response.headers.get('location');
  options.cookies.take(response);
  return {
    status: response.status,
    body,
    location,
    retryAfter: response.headers.get('retry-after'),
    signedOut:
      (location !== null && new URL(location, options.appUrl).pathname === '/signin') ||
      (session.length > 0 && session.every((write) => write.value === '' || write.expired)) ||
      writes.some((write) => SESSION_ENDED_COOKIE.test(write.name) && write.value !== ''),
    rotated: session.some((write) => write.value !== '' && !write.expired),
  };
}

/** The dashboard as a signed-in user sees it (the page renders the user's email). */
export function showsSignedIn(visit: PageVisit, email: string): boolean {
  return visit.status === 200 && visit.body.includes(email);
}

/** The proxy's 503 page (`packages/next/src/proxy/unavailable-page.ts`). */
export function showsUnavailable(visit: PageVisit): boolean {
  return visit.status === 503 && visit.body.includes('Temporarily unavailable') && visit.body.includes('You are still signed in');
}

/** A time the dashboard prints (`data-testid` "access-expires", "refresh-at"), epoch ms on the app's clock. */
export function shownTime(page: PageVisit, testId: 'access-expires' | 'refresh-at'): number {
  const match = new RegExp(`data-testid="${testId}">([^<]+)<`).exec(page.body);
  if (match?.[1] === undefined) throw new Error(`no ${testId} in a ${page.status} answer${page.location === null ? '' : ` to ${page.location}`}`);
  return Date.parse(match[1]);
}
