import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { decode } from 'next-auth/jwt';
import { DEMO_USERS } from '../harness/env.js';
import { startSsoSystem, type SsoApp, type SsoSystem } from '../harness/sso-system.js';
import { PortalPage, PortalSessionsPage } from '../pages/portal-page.js';
import { ProviderSignInPage } from '../pages/provider-sign-in-page.js';

// docs/sso.md: one sign-in at the user-service's OpenID Provider serves every app; one sign-out ends them all.
// A system of its own: the provider with two registered clients, the web app and the portal on one host.
let sso: SsoSystem;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  sso = await startSsoSystem({ accessTokenTtl: '10' });
});

test.afterAll(async () => {
  await sso?.stop();
});

/** Whether `app` serves its home page to this browser's cookies (200), or sends it to sign-in (303). */
async function homeStatus(context: BrowserContext, app: SsoApp): Promise<number> {
  return (await context.request.get(`${app.url}/`, { maxRedirects: 0 })).status();
}

/** Counts password submissions to the provider: single sign-on must not need a second one. */
function countPasswordPosts(page: Page): { readonly count: number } {
  const counter = { count: 0 };
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().startsWith(`${sso.issuer}/oidc/interaction/`)) counter.count += 1;
  });
  return counter;
}

async function signInAtWeb(page: Page): Promise<void> {
  await page.goto(`${sso.web.url}/signin`);
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
  await new ProviderSignInPage(page, sso.issuer).signIn(DEMO_USERS.maria.email, sso.demoPassword);
  await expect(page.getByRole('heading', { name: /^Signed in as Maria/ })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`^${sso.web.url}/`));
}

test.describe('single sign-on across two apps', () => {
  test('signed in at the web app through the provider, the portal signs me in without a password; signing out at the portal signs the web app out within 5 s', async ({
    page,
    context,
  }) => {
    const passwordPosts = countPasswordPosts(page);
    await signInAtWeb(page);
    expect(passwordPosts.count).toBe(1);

    const portal = new PortalPage(page, sso.portal.url);
    await portal.gotoProfile();
    await expect(page).toHaveURL(new RegExp(`^${sso.portal.url}/signin`));
    await portal.singleSignOn.click();
    await expect(portal.heading).toBeVisible();
    await expect(portal.email).toHaveText(DEMO_USERS.maria.email);
    await expect(portal.role).toHaveText('MANAGER');
    expect(passwordPosts.count).toBe(1);
    // Each app holds its own session under its own cookie name, on one host.
    const names = (await context.cookies()).map((cookie) => cookie.name);
    expect(names).toEqual(expect.arrayContaining([sso.web.sessionCookie, sso.portal.sessionCookie]));
    expect(await homeStatus(context, sso.web)).toBe(200);

    await portal.signOut.click();
    await expect(page).toHaveURL(new RegExp(`^${sso.portal.url}/signin`));
    expect(await homeStatus(context, sso.portal)).toBe(303);
    // Back-channel logout from the provider to the web app (and the revocation check on our sid as backstop).
    await expect.poll(() => homeStatus(context, sso.web), { timeout: 5_000, intervals: [250] }).toBe(303);

    // The single sign-on session is over too: the next sign-in asks for the password again.
    await page.goto(`${sso.web.url}/signin`);
    await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await new ProviderSignInPage(page, sso.issuer).expectShown();
  });

  test('signing out at the web app ends the portal session too', async ({ page, context }) => {
    await signInAtWeb(page);
    const portal = new PortalPage(page, sso.portal.url);
    await portal.gotoSignIn();
    await portal.singleSignOn.click();
    await expect(portal.heading).toBeVisible();

    await page.goto(`${sso.web.url}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(new RegExp(`^${sso.web.url}/signin`));
    await expect.poll(() => homeStatus(context, sso.portal), { timeout: 5_000, intervals: [250] }).toBe(303);
  });
});

test.describe("the portal's sessions page", () => {
  test('lists the one session both apps share, and revoking it there ends it in the web app too', async ({ page, context }) => {
    await signInAtWeb(page);
    const portal = new PortalPage(page, sso.portal.url);
    await portal.gotoSignIn();
    await portal.singleSignOn.click();
    await expect(portal.heading).toBeVisible();

    const sessions = new PortalSessionsPage(page, sso.portal.url);
    await sessions.goto();
    await expect(sessions.currentRow).toHaveCount(1);
    await sessions.revokeCurrent();
    await expect(page).toHaveURL(new RegExp(`^${sso.portal.url}/signin`));
    expect(await homeStatus(context, sso.portal)).toBe(303);
    // One SSO session is one session row: the web app's revocation check sees it revoked.
    await expect.poll(() => homeStatus(context, sso.web), { timeout: 5_000, intervals: [250] }).toBe(303);
  });
});

test.describe('refusals at the callback', () => {
  /**
   * Signs in at the provider for the portal and stops before the redirect back to the callback, whose URL it returns.
   * The provider's answers are read with the context's own request client (same cookie jar, redirects not
   * followed), since a browser route never sees the requests of a redirect chain.
   */
  async function heldCallback(page: Page, context: BrowserContext): Promise<string> {
    const portal = new PortalPage(page, sso.portal.url);
    await portal.gotoSignIn();
    await portal.singleSignOn.click();
    await new ProviderSignInPage(page, sso.issuer).expectShown();
    const login = await context.request.post(`${page.url()}/login`, {
      form: { email: DEMO_USERS.alice.email, password: sso.demoPassword },
      headers: { origin: sso.issuer },
      maxRedirects: 0,
    });
    expect(login.status()).toBe(303);
    const resume = await context.request.get(new URL(login.headers().location ?? '', sso.issuer).toString(), { maxRedirects: 0 });
    const callback = resume.headers().location ?? '';
    expect(callback.startsWith(`${sso.portal.url}/api/auth/callback/portcullis?`)).toBe(true);
    return callback;
  }

  test('a tampered state is refused; the genuine callback then works once, and its replay is refused', async ({ page, context }) => {
    const callback = await heldCallback(page, context);
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'tampered-state');
    await page.goto(tampered.toString());
    await expect(page).toHaveURL(new RegExp(`^${sso.portal.url}/signin\\?.*error=OAuthCallback`));
    await expect(page.getByRole('alert').filter({ hasText: 'Sign-in failed' })).toBeVisible();
    expect(await homeStatus(context, sso.portal)).toBe(303);

    await page.goto(callback);
    await expect(new PortalPage(page, sso.portal.url).heading).toBeVisible();

    await page.goto(callback);
    await expect(page).toHaveURL(new RegExp(`^${sso.portal.url}/signin\\?.*error=OAuthCallback`));
  });

  test('a callback without the PKCE verifier cookie is refused', async ({ page, context }) => {
    const callback = await heldCallback(page, context);
    await context.clearCookies({ name: '__Host-portal.pkce.code_verifier' });
    await page.goto(callback);
    await expect(page).toHaveURL(new RegExp(`^${sso.portal.url}/signin\\?.*error=OAuthCallback`));
    expect(await homeStatus(context, sso.portal)).toBe(303);
  });

  test('the provider refuses a redirect URI that is not registered, without redirecting there', async ({ page }) => {
    let authorization: string | undefined;
    page.on('request', (request) => {
      if (request.url().startsWith(`${sso.issuer}/oidc/auth`)) authorization ??= request.url();
    });
    const portal = new PortalPage(page, sso.portal.url);
    await portal.gotoSignIn();
    await portal.singleSignOn.click();
    await new ProviderSignInPage(page, sso.issuer).expectShown();
    const foreign = new URL(authorization ?? '');
    foreign.searchParams.set('redirect_uri', 'https://evil.example/api/auth/callback/portcullis');
    const response = await page.goto(foreign.toString());
    expect(response?.status()).toBe(400);
    expect(page.url().startsWith(sso.issuer)).toBe(true);
  });
});

test.describe('refresh in oidc mode', () => {
  test('20 parallel requests with one due cookie all succeed, and the session lives on', async ({ page, context }) => {
    const portal = new PortalPage(page, sso.portal.url);
    await portal.gotoSignIn();
    await portal.singleSignOn.click();
    await new ProviderSignInPage(page, sso.issuer).signIn(DEMO_USERS.alice.email, sso.demoPassword);
    await expect(portal.heading).toBeVisible();

    const cookie = (await context.cookies()).find((candidate) => candidate.name === sso.portal.sessionCookie);
    const session = (await decode({ token: cookie?.value ?? '', secret: sso.portal.secret })) as { refreshAt: number; refreshToken: string } | null;
    expect(session).not.toBeNull();
    // Waiting for a condition (the cookie falling due), not for a fixed time.
    await expect.poll(() => Date.now() >= (session?.refreshAt ?? 0), { timeout: 15_000 }).toBe(true);

    const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await context.request.get(`${sso.portal.url}/api/bff/me`)).status()));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    await portal.gotoProfile();
    await expect(portal.heading).toBeVisible();
  });
});
