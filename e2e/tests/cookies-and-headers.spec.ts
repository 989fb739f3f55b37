import { expect, test } from '@playwright/test';
import { CALLBACK_COOKIE, CSRF_COOKIE, harness, SESSION_COOKIE } from '../harness/env.js';
import { sessionOf } from '../harness/backend.js';
import { SignInPage } from '../pages/sign-in-page.js';

test.describe('cookies and headers', () => {
  test('auth cookies use __Host-/__Secure- names with HttpOnly, Secure, SameSite=Lax, Path=/ and no Domain', async ({ page, context }) => {
    const setCookies: string[] = [];
    page.on('response', async (response) => {
      if (response.url().includes('/api/auth/'))
        setCookies.push(...(await response.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value));
    });
    await new SignInPage(page).signInAs('alice');

    const cookies = await context.cookies();
    for (const name of [SESSION_COOKIE, CSRF_COOKIE, CALLBACK_COOKIE]) {
      const cookie = cookies.find((c) => c.name === name);
      expect(cookie, name).toBeDefined();
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/', domain: 'localhost' });
    }
    // Every session chunk carries the prefix: there is exactly one, unchunked, cookie for the session.
    expect(cookies.filter((c) => c.name.includes('session-token')).map((c) => c.name)).toEqual([SESSION_COOKIE]);
    expect(setCookies.length).toBeGreaterThan(0);
    for (const line of setCookies) expect(line).not.toMatch(/;\s*domain=/i);
  });

  test('browser JavaScript cannot read the session, and /api/auth/session holds no refresh or access token', async ({ page, context }) => {
    await new SignInPage(page).signInAs('alice');
    expect(await page.evaluate(() => document.cookie)).not.toContain('next-auth');

    const session = await sessionOf(context);
    const body = await page.evaluate(async () => (await fetch('/api/auth/session')).text());
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(parsed).toMatchObject({ user: { email: 'alice@example.com', role: 'USER' } });
    expect(parsed).not.toHaveProperty('refreshToken');
    expect(parsed).not.toHaveProperty('accessToken');
    expect(body).not.toContain(session.refreshToken);
    expect(body).not.toContain(session.accessToken.split('.')[2] ?? 'never');
  });

  test('pages carry a nonce CSP and the security headers; authenticated pages are not cacheable', async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await new SignInPage(page).signInAs('alice');
    const response = await page.goto(`${harness.webUrl}/`);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).not.toContain('unsafe-eval');
    expect(headers['strict-transport-security']).toContain('max-age=');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(headers['permissions-policy']).toContain('camera=()');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    expect(headers['cache-control']).toMatch(/private/);
    expect(headers['cache-control']).toMatch(/no-store/);
    const again = await page.goto(`${harness.webUrl}/`);
    expect(again?.headers()['content-security-policy']).not.toBe(headers['content-security-policy']);
    await expect(page.getByRole('heading', { name: /^Signed in as/ })).toBeVisible();
    expect(violations).toEqual([]);
  });
});
