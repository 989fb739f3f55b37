import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATTESTATION_HEADER } from '../session/proxy-attestation.js';
import { APP, AuthHarness } from '../test-support/auth-harness.js';
import { FAKE_CREDENTIAL_ID } from '../test-support/fake-user-service.js';

const CEREMONY_COOKIE = '__Host-next-auth.webauthn';

let h: AuthHarness;
beforeEach(async () => {
  h = await new AuthHarness().start();
});
afterEach(async () => {
  await h.stop();
});

const nextauth = (...segments: string[]) => ({ params: Promise.resolve({ nextauth: segments }) });

/** The sign-in page asks the library for a challenge, with the cookies of the browser's jar. */
function askOptions(purpose: string, headers: Record<string, string> = { origin: APP, 'sec-fetch-site': 'same-origin' }): Promise<Response> {
  const request = new Request(`${APP}/api/auth/webauthn/options?purpose=${purpose}`, {
    method: 'POST',
    headers: { ...headers, cookie: h.jarHeader(), 'x-forwarded-for': '198.51.100.7', 'user-agent': 'vitest-browser' },
  });
  return h.auth.handlers.POST(request, nextauth('webauthn', 'options'));
}

/** What the browser keeps of a response: its cookies go into the jar, expired ones out. */
function keepCookies(response: Response): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const [name, ...value] = (pair ?? '').split('=');
    if (name === undefined) continue;
    if (/Max-Age=0/i.test(line)) h.jar.delete(name);
    else h.jar.set(name, value.join('='));
  }
}

const assertion = JSON.stringify({
  id: FAKE_CREDENTIAL_ID,
  rawId: FAKE_CREDENTIAL_ID,
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA', userHandle: 'dTE' },
  clientExtensionResults: {},
});

describe('passwordless passkey sign-in', () => {
  it('hands out the options and keeps the ceremony binding in a sealed httpOnly __Host- cookie of 5 minutes', async () => {
    const response = await askOptions('passkey');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ challenge: expect.any(String), rpId: 'localhost' });
    const line = response.headers.getSetCookie().find((value) => value.startsWith(`${CEREMONY_COOKIE}=`)) ?? '';
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/Secure/i);
    expect(line).toMatch(/Path=\//);
    expect(line).toMatch(/Max-Age=300/);
    expect(line).not.toMatch(/Domain=/i);
    const [ceremony] = h.backend.ceremonies;
    expect(line).not.toContain(ceremony);
  });

  it('signs in with the assertion, sending the ceremony binding back, and forgets the ceremony', async () => {
    keepCookies(await askOptions('passkey'));
    const [ceremony] = h.backend.ceremonies;
    const response = await h.submitCredentials({ passkey: assertion });
    expect(AuthHarness.signInErrorOf(response)).toBeNull();
    expect(await h.codec.decode(AuthHarness.sessionCookieOf(response))).toMatchObject({ sub: 'u-mfa', amr: ['hwk', 'user', 'mfa'] });
    expect(h.backend.callsTo('/v1/auth/passkey')[0]?.headers['x-webauthn-ceremony']).toBe(ceremony);
    expect(h.expiredCookies).toContain(CEREMONY_COOKIE);
  });

  it('refuses an assertion without a ceremony this browser started, without asking the service', async () => {
    const response = await h.submitCredentials({ passkey: assertion });
    expect(AuthHarness.signInErrorOf(response)).toBe('MfaExpired');
    expect(h.backend.callsTo('/v1/auth/passkey')).toHaveLength(0);
  });

  it('says InvalidMfa for an assertion the service refuses, and the ceremony is gone either way', async () => {
    keepCookies(await askOptions('passkey'));
    const wrong = assertion.replaceAll(FAKE_CREDENTIAL_ID, 'another-credential');
    expect(AuthHarness.signInErrorOf(await h.submitCredentials({ passkey: wrong }))).toBe('InvalidMfa');
    expect(h.jar.has(CEREMONY_COOKIE)).toBe(false);
  });
});

describe('WebAuthn options route', () => {
  it('gives the second step its challenge with the pending sign-in, and refuses without one', async () => {
    expect((await askOptions('second_factor')).status).toBe(401);
    expect(h.backend.callsTo('/v1/auth/login/mfa/options')).toHaveLength(0);
    await h.submitCredentials({ email: 'mfa@example.com', password: 'right' });
    const response = await askOptions('second_factor');
    expect(response.status).toBe(200);
    const [mfaToken] = h.backend.pending.keys();
    expect(h.backend.callsTo('/v1/auth/login/mfa/options')[0]?.body).toEqual({ mfaToken });
    expect(JSON.stringify(await response.json())).not.toContain(mfaToken);
  });

  it('gives a step-up its challenge with the session access token', async () => {
    h.backend.accessTokenTtlMs = 3_600_000;
    const { cookie, token } = await h.signIn('ADMIN');
    const proxied = await h.auth.proxy(h.request('/admin', { cookie }));
    h.requestHeaders = new Headers({ cookie, [ATTESTATION_HEADER]: AuthHarness.forwardedHeader(proxied, ATTESTATION_HEADER) ?? '' });
    expect((await askOptions('step_up')).status).toBe(200);
    expect(h.backend.callsTo('/v1/auth/step-up/options')[0]?.headers.authorization).toBe(`Bearer ${token.accessToken}`);
  });

  it('refuses a cross-site request and an unknown purpose', async () => {
    expect((await askOptions('passkey', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(h.backend.ceremonies.size).toBe(0);
    const unknown = await askOptions('sudo');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_input' });
  });
});
