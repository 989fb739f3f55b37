import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialsConfig } from 'next-auth/providers/credentials';
import { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER } from '@portcullis/contracts';
import { APP_CREDENTIAL, AuthHarness } from '../test-support/auth-harness.js';
import { SessionCodec } from '../tokens/session-codec.js';
import { jwtCallback, redirectCallback, sessionCallback } from './callbacks.js';

let h: AuthHarness;
beforeEach(async () => {
  h = await new AuthHarness().start();
});
afterEach(async () => {
  await h.stop();
});

function authorize(credentials: Record<string, string>) {
  const provider = h.auth.authOptions.providers[0] as CredentialsConfig;
  return provider.authorize(credentials, { headers: { 'x-forwarded-for': '10.0.0.1, 192.0.2.4', 'user-agent': 'ua' }, body: {}, query: {}, method: 'POST' });
}

describe('credentials provider', () => {
  it('signs in through /v1/auth/login, forwarding the browser address and user agent', async () => {
    const user = await authorize({ email: 'alice@example.com', password: 'right' });
    expect(user).toMatchObject({ id: 'u1', email: 'u1@example.com' });
    const login = h.backend.callsTo('/v1/auth/login')[0];
    expect(login?.headers[CLIENT_ADDRESS_HEADER]).toBe('192.0.2.4');
    expect(login?.headers[APP_CREDENTIAL_HEADER]).toBe(APP_CREDENTIAL);
    expect(login?.headers['user-agent']).toBe('ua');
  });

  it('answers wrong credentials with null (CredentialsSignin), never with backend text', async () => {
    expect(await authorize({ email: 'alice@example.com', password: 'wrong' })).toBeNull();
    expect(await authorize({ email: '', password: '' })).toBeNull();
  });

  it('says "confirm your email first" for an unverified account with the right password, with a fixed code', async () => {
    await expect(authorize({ email: 'unverified@example.com', password: 'right' })).rejects.toThrow(/^EmailUnverified$/);
    expect(await authorize({ email: 'unverified@example.com', password: 'wrong' })).toBeNull();
  });

  it('turns throttling into a fixed code with the wait', async () => {
    await expect(authorize({ email: 'alice@example.com', password: 'throttle' })).rejects.toThrow(/^RateLimited:42$/);
  });

  it('reports an unreachable backend as Unavailable', async () => {
    await h.backend.stop();
    await expect(authorize({ email: 'alice@example.com', password: 'right' })).rejects.toThrow(/^Unavailable$/);
    await h.backend.start();
  });
});

describe('callbacks', () => {
  const options = { appOrigin: 'http://localhost:3000', exposeAccessToken: false, now: () => Date.now() };

  it('jwt keeps exactly the backend session at sign-in and ignores client updates later', async () => {
    const { token } = await h.signIn();
    const jwt = jwtCallback();
    const signedIn = await jwt({ token: { name: 'x', picture: 'big.png' }, user: { id: token.sub, portcullis: token } as never, account: null });
    expect(signedIn).toEqual(token);
    const updated = await jwt({ token: signedIn, trigger: 'update', session: { role: 'ADMIN' }, user: undefined as never, account: null });
    expect(updated).toEqual(token);
  });

  it('session shows user, role, scopes and expiry, never the refresh token, and the access token only when exposed', async () => {
    const { token } = await h.signIn('ADMIN');
    const session = sessionCallback(options)({ session: { expires: new Date(Date.now() + 1e9).toISOString() }, token });
    expect(session.user).toEqual({ id: token.sub, email: token.email, name: token.name, role: 'ADMIN' });
    expect(session.scopes).toContain('users:admin');
    expect(JSON.stringify(session)).not.toContain(token.refreshToken);
    expect(JSON.stringify(session)).not.toContain(token.accessToken);
    expect(Date.parse(session.expires)).toBeLessThanOrEqual(token.sessionExpiresAt);
    const exposed = sessionCallback({ ...options, exposeAccessToken: true })({ session: { expires: new Date().toISOString() }, token });
    expect(exposed.accessToken).toBe(token.accessToken);
  });

  it('redirect stays on the app origin', () => {
    const redirect = redirectCallback(options);
    expect(redirect({ url: 'https://evil.example', baseUrl: options.appOrigin })).toBe('http://localhost:3000/');
    expect(redirect({ url: '/sessions', baseUrl: options.appOrigin })).toBe('http://localhost:3000/sessions');
  });

  it('keeps the encrypted session cookie far below 4 KB with realistic token sizes', async () => {
    const { token } = await h.signIn('ADMIN');
    const realistic = { ...token, accessToken: 'x'.repeat(900), refreshToken: 'r'.repeat(43), name: 'A'.repeat(100), email: `${'e'.repeat(90)}@example.com` };
    const value = await new SessionCodec({ secret: 's'.repeat(32), idleSeconds: 3600, now: Date.now }).encode(realistic);
    expect(value.length).toBeLessThan(2_600);
  });
});
