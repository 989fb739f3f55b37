import { expect, test, type BrowserContext } from '@playwright/test';
import { decode } from 'next-auth/jwt';
import { SESSION_COOKIE } from '../harness/env.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through e2e/adoption/playwright.config.ts`);
  return value;
}

const appUrl = required('ADOPTION_APP_URL');
const secret = required('ADOPTION_NEXTAUTH_SECRET');
const demoPassword = required('ADOPTION_DEMO_PASSWORD');

interface SessionCookie {
  accessToken: string;
  refreshToken: string;
  refreshAt: number;
}

/** The session cookie as the app's proxy decrypts it: the tokens it holds and when it is due for a refresh. */
async function sessionCookie(context: BrowserContext): Promise<SessionCookie> {
  const cookie = (await context.cookies(appUrl)).find((candidate) => candidate.name === SESSION_COOKIE);
  if (!cookie) throw new Error('no session cookie');
  const payload = await decode({ token: cookie.value, secret });
  if (!payload) throw new Error('the session cookie does not decrypt with the app secret');
  const { accessToken, refreshToken, refreshAt } = payload as Record<string, unknown>;
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string' || typeof refreshAt !== 'number') throw new Error('unexpected session cookie');
  return { accessToken, refreshToken, refreshAt };
}

test('an app wired only from the doc signs in, is refreshed through the proxy, signs out and is refused again', async ({ page, context, browser }) => {
  await page.goto(`${appUrl}/`);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  await page.getByLabel('Email').fill('alice@example.com');
  await page.getByLabel('Password').fill(demoPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Signed in as alice@example.com' })).toBeVisible();
  const signedIn = await sessionCookie(context);

  // The access token lives 5 s: once it is due, the next page goes through the proxy's refresh.
  await page.waitForFunction((at) => Date.now() >= at, signedIn.refreshAt, { polling: 100 });
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Signed in as alice@example.com' })).toBeVisible();
  const refreshed = await sessionCookie(context);
  expect(refreshed.accessToken).not.toBe(signedIn.accessToken);
  expect(refreshed.refreshToken).not.toBe(signedIn.refreshToken);
  const keptCookies = await context.cookies(appUrl);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('status')).toHaveText('You have been signed out.');
  await page.goto(`${appUrl}/`);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);

  // Sign-out revoked the session at the user-service: a copy of the cookie kept from before opens nothing.
  const replay = await browser.newContext();
  try {
    await replay.addCookies(keptCookies);
    const replayPage = await replay.newPage();
    await replayPage.goto(`${appUrl}/`);
    await expect(replayPage).toHaveURL(/\/signin\?error=SessionExpired/);
    await expect(replayPage.getByRole('alert').filter({ hasText: 'Your session has ended. Please sign in again.' })).toBeVisible();
  } finally {
    await replay.close();
  }
});
