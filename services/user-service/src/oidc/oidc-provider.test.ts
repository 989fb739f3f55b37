import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidcArtifacts, sessions } from '../db/schema.js';
import { hashArtifactId } from './refresh-rotations.js';
import { createTestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { sampleValue } from '../test-support/prometheus.js';
import { ALICE, DEMO_PASSWORD, MARIA, startTestInstance, type TestInstance } from '../test-support/harness.js';
import {
  authorizationRequest,
  basicAuth,
  discover,
  local,
  signInThroughProvider,
  TestBrowser,
  testClient,
  tokenRequest,
  type Discovery,
  type TestClient,
} from '../test-support/oidc-client.js';

interface TokenSet {
  access_token: string;
  id_token: string;
  refresh_token: string;
  scope: string;
  expires_in: number;
}

/** Receives back-channel logout requests like an app would, and keeps the logout tokens it got. */
async function startLogoutReceiver(): Promise<{ url: string; tokens: Array<{ path: string; token: string }>; close(): Promise<void> }> {
  const tokens: Array<{ path: string; token: string }> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      tokens.push({ path: request.url ?? '', token: new URLSearchParams(body).get('logout_token') ?? '' });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, tokens, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function decodePayload(jwt: string): JWTPayload {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload;
}

describe.each(testBackends())('OpenID Provider on $name', (backend) => {
  let service: TestInstance;
  let discovery: Discovery;
  let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;
  let web: TestClient;
  let portal: TestClient;

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    web = testClient('portcullis-web', { backchannelLogoutUri: `${receiver.url}/web` });
    portal = { ...testClient('portcullis-portal', { backchannelLogoutUri: `${receiver.url}/portal` }), scope: 'openid profile offline_access profile:read' };
    service = await startTestInstance(backend, { OIDC_CLIENTS: JSON.stringify([web, portal]), REFRESH_REUSE_GRACE: '30', LOGIN_MAX_FAILURES_PER_EMAIL_IP: '3' });
    discovery = await discover(service);
  });

  afterAll(async () => {
    await service.close();
    await receiver.close();
  });

  async function exchange(client: TestClient, code: string, verifier: string | undefined, extra: Record<string, string> = {}): Promise<Response> {
    return tokenRequest(service, discovery, client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirect_uris[0] ?? '',
      ...(verifier === undefined ? {} : { code_verifier: verifier }),
      ...extra,
    });
  }

  async function signedIn(
    client: TestClient,
    options: { browser?: TestBrowser; email?: string } = {},
  ): Promise<{ browser: TestBrowser; tokens: TokenSet; nonce: string }> {
    const browser = options.browser ?? new TestBrowser(service);
    const { code, request } = await signInThroughProvider(browser, discovery, client, { email: options.email ?? ALICE, password: DEMO_PASSWORD });
    const response = await exchange(client, code, request.verifier);
    const body = (await response.json()) as TokenSet;
    expect(response.status, JSON.stringify(body)).toBe(200);
    return { browser, tokens: body, nonce: request.nonce };
  }

  function refresh(client: TestClient, refreshToken: string): Promise<Response> {
    return tokenRequest(service, discovery, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** Follows an authorization request that must come straight back to the app with an OAuth error. */
  async function authorizationError(client: TestClient, overrides: Record<string, string | undefined>): Promise<URLSearchParams> {
    const browser = new TestBrowser(service);
    const request = authorizationRequest(discovery, client, overrides);
    const step = await browser.follow(await browser.get(request.url));
    if (!(step instanceof URL)) throw new Error(`expected a redirect back to the app, got ${step.status}`);
    expect(`${step.origin}${step.pathname}`).toBe(client.redirect_uris[0]);
    return step.searchParams;
  }

  describe('discovery', () => {
    it('publishes the issuer and every endpoint under /oidc/, S256 only, EdDSA, back-channel logout with sid', () => {
      expect(discovery).toMatchObject({
        issuer: 'http://localhost:4000',
        authorization_endpoint: 'http://localhost:4000/oidc/auth',
        token_endpoint: 'http://localhost:4000/oidc/token',
        jwks_uri: 'http://localhost:4000/oidc/jwks',
        end_session_endpoint: 'http://localhost:4000/oidc/session/end',
        revocation_endpoint: 'http://localhost:4000/oidc/token/revocation',
        code_challenge_methods_supported: ['S256'],
        response_types_supported: ['code'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
      });
      expect(discovery.id_token_signing_alg_values_supported).toEqual(['EdDSA']);
    });

    it('serves the same keys as our own JWKS', async () => {
      const ours = (await (await service.request('/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string }> };
      const provider = (await (await fetch(local(service, discovery.jwks_uri))).json()) as { keys: Array<{ kid: string; d?: string }> };
      expect(provider.keys.map((key) => key.kid)).toEqual(ours.keys.map((key) => key.kid));
      expect(provider.keys.every((key) => key.d === undefined)).toBe(true);
    });
  });

  describe('sign-in with code + PKCE', () => {
    it('shows our sign-in page under a strict CSP, then returns a code with the state to the exact redirect URI', async () => {
      const browser = new TestBrowser(service);
      const request = authorizationRequest(discovery, web);
      const page = await browser.follow(await browser.get(request.url));
      if (page instanceof URL) throw new Error('expected the sign-in page');
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9_-]+'/);
      expect(csp).toContain(`form-action 'self' ${new URL(web.redirect_uris[0] ?? '').origin}`);
      expect(page.headers.get('cache-control')).toBe('no-store');
      // Browsers send `Origin: null` on a form post from a no-referrer page; our origin check needs the real one.
      expect(page.headers.get('referrer-policy')).toBe('same-origin');
      const html = await page.text();
      expect(html).toContain('<form method="post" action="/oidc/interaction/');
      expect(html).not.toMatch(/<script(?![^>]*nonce=)/);
    });

    it('issues an access token our bearer verification accepts, bound to a session row of ours', async () => {
      const { tokens } = await signedIn(web);
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA' });
      const claims = decodePayload(tokens.access_token);
      expect(claims).toMatchObject({
        iss: 'http://localhost:4000',
        aud: 'portcullis',
        role: 'USER',
        client_id: web.client_id,
        scope: 'profile:read sessions:manage openid profile email',
      });
      expect(claims.exp).toBe((claims.iat ?? 0) + 900);
      const me = await service.request('/v1/me', { token: tokens.access_token });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ user: { email: ALICE } });
      const session = await service.request('/v1/auth/session', { token: tokens.access_token });
      expect(session.status).toBe(200);
      expect(await session.json()).toMatchObject({ session: { id: claims.sid } });
    });

    it('issues an ID token signed with EdDSA carrying nonce, sid, email, name and role', async () => {
      const { tokens, nonce } = await signedIn(web);
      const jwks = createRemoteJWKSet(new URL(local(service, discovery.jwks_uri)));
      const { payload } = await jwtVerify(tokens.id_token, jwks, { issuer: discovery.issuer, audience: web.client_id, algorithms: ['EdDSA'] });
      expect(payload).toMatchObject({ nonce, email: ALICE, name: 'Alice User', role: 'USER', sid: expect.any(String) });
    });

    it('says in the ID token and the access token how and when the user was proven: amr, acr and auth_time of the session', async () => {
      const { tokens } = await signedIn(web);
      const access = decodePayload(tokens.access_token);
      const [row] = await service.context.database.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, String(access.sid)));
      const authTime = Math.floor((row?.authTime.getTime() ?? 0) / 1000);
      const proven = { amr: ['pwd'], acr: 'urn:portcullis:acr:1fa', auth_time: authTime };
      expect(decodePayload(tokens.id_token)).toMatchObject(proven);
      expect(access).toMatchObject(proven);

      // A refresh later keeps the sign-in's time and methods: nothing looks fresher or stronger than it was.
      service.clock.advance(60_000);
      const refreshed = (await (await refresh(web, tokens.refresh_token)).json()) as TokenSet;
      expect(decodePayload(refreshed.id_token)).toMatchObject(proven);
      expect(decodePayload(refreshed.access_token)).toMatchObject(proven);
    });

    it('advertises the acr values it issues in discovery', () => {
      expect(discovery.acr_values_supported).toEqual(['urn:portcullis:acr:1fa', 'urn:portcullis:acr:mfa']);
      expect(discovery.claims_supported).toEqual(expect.arrayContaining(['amr', 'acr', 'auth_time']));
    });

    it('keeps the SSO session in a __Host- cookie, so a second app signs in without a password', async () => {
      const { browser, tokens } = await signedIn(web);
      expect(browser.cookies.names()).toContain('__Host-portcullis-op-session');
      const second = await signInThroughProvider(browser, discovery, portal, null);
      const response = await exchange(portal, second.code, second.request.verifier);
      const portalTokens = (await response.json()) as TokenSet;
      expect(response.status).toBe(200);
      // One sign-in, one session row of ours: both apps' tokens carry its id; the portal gets only what it registered.
      expect(decodePayload(portalTokens.access_token)).toMatchObject({
        sid: decodePayload(tokens.access_token).sid,
        scope: 'profile:read openid profile',
        client_id: portal.client_id,
      });
    });

    it('answers response_mode=form_post with an auto-posting page under the same strict policy', async () => {
      const browser = new TestBrowser(service);
      const request = authorizationRequest(discovery, web, { response_mode: 'form_post' });
      const page = await browser.follow(await browser.get(request.url));
      if (page instanceof URL) throw new Error('expected the sign-in page');
      const posted = await browser.follow(await browser.postForm(`${new URL(page.url).pathname}/login`, { email: ALICE, password: DEMO_PASSWORD }));
      if (posted instanceof URL) throw new Error('expected the form_post page');
      expect(posted.status).toBe(200);
      const csp = posted.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/script-src 'nonce-[^']+' 'sha256-[^']+'/);
      expect(csp).toContain(`form-action 'self' ${new URL(web.redirect_uris[0] ?? '').origin}`);
      expect(await posted.text()).toContain(`action="${web.redirect_uris[0] ?? ''}"`);
    });

    it('gives a manager only the API scopes both the client and the role allow', async () => {
      const { tokens } = await signedIn(web, { email: MARIA });
      expect(decodePayload(tokens.access_token)).toMatchObject({ role: 'MANAGER', scope: 'profile:read sessions:manage openid profile email' });
    });
  });

  describe('refusals at the authorization endpoint', () => {
    it('never redirects to a redirect URI that is not registered exactly', async () => {
      for (const redirect of ['https://evil.example.test/callback', `${web.redirect_uris[0] ?? ''}/extra`, `${web.redirect_uris[0] ?? ''}?x=1`]) {
        const browser = new TestBrowser(service);
        const response = await browser.get(authorizationRequest(discovery, web, { redirect_uri: redirect }).url);
        expect(response.status).toBe(400);
        expect(response.headers.get('location')).toBeNull();
        expect(await response.text()).toContain('redirect_uri did not match any of the client&#39;s registered redirect_uris');
      }
    });

    it('refuses a request without nonce', async () => {
      const params = await authorizationError(web, { nonce: undefined });
      expect(params.get('error')).toBe('invalid_request');
      expect(params.get('error_description')).toBe('nonce is required');
    });

    it('refuses a request without nonce from a browser that is already signed in, too', async () => {
      const { browser } = await signedIn(web);
      const step = await browser.follow(await browser.get(authorizationRequest(discovery, portal, { nonce: undefined }).url));
      if (!(step instanceof URL)) throw new Error(`expected a redirect back to the app, got ${step.status}`);
      expect(step.searchParams.get('error')).toBe('invalid_request');
      expect(step.searchParams.get('code')).toBeNull();
    });

    it('refuses a request without PKCE, or with the plain method', async () => {
      expect((await authorizationError(web, { code_challenge: undefined, code_challenge_method: undefined })).get('error')).toBe('invalid_request');
      expect((await authorizationError(web, { code_challenge_method: 'plain' })).get('error')).toBe('invalid_request');
    });

    it('refuses scopes the client is not registered for', async () => {
      const params = await authorizationError(portal, { scope: 'openid email' });
      expect(params.get('error')).toBe('invalid_scope');
    });

    it('answers an unknown client with an error page, not a redirect', async () => {
      const response = await new TestBrowser(service).get(authorizationRequest(discovery, { ...web, client_id: 'nobody' }).url);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    });
  });

  describe('refusals at the token endpoint', () => {
    async function freshCode(): Promise<{ code: string; verifier: string }> {
      const { code, request } = await signInThroughProvider(new TestBrowser(service), discovery, web, { email: ALICE, password: DEMO_PASSWORD });
      return { code, verifier: request.verifier };
    }

    it('refuses a code without its code_verifier, or with a wrong one', async () => {
      const { code } = await freshCode();
      const missing = await exchange(web, code, undefined);
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ error: 'invalid_grant' });
      const other = await freshCode();
      const wrong = await exchange(web, other.code, 'x'.repeat(43));
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('refuses a wrong client secret and an unknown client', async () => {
      const { code, verifier } = await freshCode();
      const wrongSecret = await tokenRequest(
        service,
        discovery,
        web,
        { grant_type: 'authorization_code', code, redirect_uri: web.redirect_uris[0] ?? '', code_verifier: verifier },
        'not-the-secret',
      );
      expect(wrongSecret.status).toBe(401);
      expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
      const unknown = await tokenRequest(
        service,
        discovery,
        { ...web, client_id: 'nobody' },
        { grant_type: 'authorization_code', code, redirect_uri: web.redirect_uris[0] ?? '', code_verifier: verifier },
      );
      expect(unknown.status).toBe(401);
      expect(await unknown.json()).toMatchObject({ error: 'invalid_client' });
    });

    it('refuses a code sent with another redirect URI or by another client', async () => {
      const { code, verifier } = await freshCode();
      const response = await exchange(web, code, verifier, { redirect_uri: 'https://evil.example.test/callback' });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
      const stolen = await freshCode();
      const byPortal = await tokenRequest(service, discovery, portal, {
        grant_type: 'authorization_code',
        code: stolen.code,
        redirect_uri: web.redirect_uris[0] ?? '',
        code_verifier: stolen.verifier,
      });
      expect(byPortal.status).toBe(400);
    });

    it('refuses a replayed authorization code and revokes what the first exchange got', async () => {
      const { code, verifier } = await freshCode();
      const first = await exchange(web, code, verifier);
      const tokens = (await first.json()) as TokenSet;
      expect(first.status).toBe(200);
      const replay = await exchange(web, code, verifier);
      expect(replay.status).toBe(400);
      expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
      const refreshed = await refresh(web, tokens.refresh_token);
      expect(refreshed.status).toBe(400);
      expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await service.request('/v1/me', { token: tokens.access_token })).status).toBe(401);
    });

    it('refuses two exchanges of one code that race each other: at most one wins, the other is refused', async () => {
      const { code, verifier } = await freshCode();
      const answers = await Promise.all([exchange(web, code, verifier), exchange(web, code, verifier)]);
      const statuses = answers.map((answer) => answer.status).sort();
      // The loser revokes the grant (RFC 6749 §4.1.2); when that lands before the winner reads the grant, both are refused.
      expect([
        [200, 400],
        [400, 400],
      ]).toContainEqual(statuses);
      for (const answer of answers.filter((candidate) => candidate.status === 400)) expect(await answer.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('answers malformed requests with OAuth errors, never a server error', async () => {
      const json = await fetch(local(service, discovery.token_endpoint), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
      expect(json.status).toBeGreaterThanOrEqual(400);
      expect(json.status).toBeLessThan(500);
      const noGrant = await tokenRequest(service, discovery, web, {});
      expect(noGrant.status).toBe(400);
      expect(await noGrant.json()).toMatchObject({ error: 'invalid_request' });
      const bare = await fetch(local(service, discovery.authorization_endpoint));
      expect(bare.status).toBe(400);
      const text = await bare.text();
      expect(text).not.toMatch(/at .*\.js:\d+/);
      expect((await service.request('/oidc/nothing-here')).status).toBe(404);
    });
  });

  describe('refresh', () => {
    /** The `refresh.reuse_detected` rows of one session of ours. */
    async function reuseDetections(sid: unknown): Promise<Array<{ reason: string | null; detail: unknown }>> {
      const events = await service.context.audit.list({ type: 'refresh.reuse_detected', limit: 100 });
      return events.filter((event) => event.sid === sid).map((event) => ({ reason: event.reason, detail: event.detail }));
    }

    it('rotates: ten parallel refreshes of one token get one and the same successor, which alone refreshes on', async () => {
      const { tokens } = await signedIn(web);
      const storedRefreshTokens = async () => (await service.context.database.db.select().from(oidcArtifacts)).filter((row) => row.model === 'RefreshToken').length;
      const storedBefore = await storedRefreshTokens();
      const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(web, tokens.refresh_token)));
      const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as TokenSet[];
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
      const successors = new Set(bodies.map((body) => body.refresh_token));
      expect(successors.size).toBe(1);
      const [successor] = [...successors] as [string];
      expect(successor).not.toBe(tokens.refresh_token);
      const last = bodies[9] as TokenSet;
      expect(decodePayload(last.access_token).sid).toBe(decodePayload(tokens.access_token).sid);
      expect((await service.request('/v1/me', { token: last.access_token })).status).toBe(200);
      // Only one successor was ever stored: the provider's own new tokens for the nine racers never existed.
      expect(await storedRefreshTokens()).toBe(storedBefore + 1);
      expect((await refresh(web, successor)).status).toBe(200);
      expect(await reuseDetections(decodePayload(tokens.access_token).sid)).toEqual([]);
    });

    it('answers a later retry of the predecessor within the grace window with the same successor', async () => {
      const { tokens } = await signedIn(web);
      const first = (await (await refresh(web, tokens.refresh_token)).json()) as TokenSet;
      service.clock.advance(10_000);
      const retry = await refresh(web, tokens.refresh_token);
      expect(retry.status).toBe(200);
      const again = (await retry.json()) as TokenSet;
      expect(again.refresh_token).toBe(first.refresh_token);
      expect(again.expires_in).toBeLessThanOrEqual(first.expires_in - 10);
      expect((await refresh(web, first.refresh_token)).status).toBe(200);
    });

    it('revokes the grant and our session when a rotated token comes back after the grace period', async () => {
      const { tokens } = await signedIn(web);
      const rotated = (await (await refresh(web, tokens.refresh_token)).json()) as TokenSet;
      service.clock.advance(31_000);
      const reuse = await refresh(web, tokens.refresh_token);
      expect(reuse.status).toBe(400);
      expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await refresh(web, rotated.refresh_token)).status).toBe(400);
      expect((await service.request('/v1/me', { token: rotated.access_token })).status).toBe(401);
      expect(await reuseDetections(decodePayload(tokens.access_token).sid)).toEqual([{ reason: 'token_reused', detail: { via: 'oidc', cause: 'past_grace' } }]);
    });

    it('treats a grandparent within the grace window as reuse: R1 → R2, R2 → R3, R1 again revokes the grant and R3', async () => {
      const { tokens } = await signedIn(web);
      const second = (await (await refresh(web, tokens.refresh_token)).json()) as TokenSet;
      const third = (await (await refresh(web, second.refresh_token)).json()) as TokenSet;
      service.clock.advance(1_000);
      const grandparent = await refresh(web, tokens.refresh_token);
      expect(grandparent.status).toBe(400);
      expect(await grandparent.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await refresh(web, third.refresh_token)).status).toBe(400);
      expect((await service.request('/v1/me', { token: third.access_token })).status).toBe(401);
      expect(await reuseDetections(decodePayload(tokens.access_token).sid)).toEqual([{ reason: 'token_reused', detail: { via: 'oidc', cause: 'not_latest' } }]);
    });

    it('answers a retry whose first rotation never finished "unavailable" (503), without a successor of its own', async () => {
      const { tokens } = await signedIn(web);
      // The state a crashed first rotation leaves: the token consumed by this client, no answer kept beside it.
      await service.context.database.db
        .update(oidcArtifacts)
        .set({ consumedAt: new Date(service.clock.now()), rotatedBy: web.client_id })
        .where(and(eq(oidcArtifacts.model, 'RefreshToken'), eq(oidcArtifacts.idHash, hashArtifactId(tokens.refresh_token))));
      const storedBefore = (await service.context.database.db.select().from(oidcArtifacts)).filter((row) => row.model === 'RefreshToken').length;
      const retry = await refresh(web, tokens.refresh_token);
      expect(retry.status).toBe(503);
      expect(await retry.json()).toMatchObject({ error: 'temporarily_unavailable' });
      expect((await service.context.database.db.select().from(oidcArtifacts)).filter((row) => row.model === 'RefreshToken').length).toBe(storedBefore);
      expect(await reuseDetections(decodePayload(tokens.access_token).sid)).toEqual([]);
    });

    it('treats a retry within the grace window by another client as reuse and ends the family', async () => {
      const { tokens } = await signedIn(web);
      const rotated = (await (await refresh(web, tokens.refresh_token)).json()) as TokenSet;
      const stranger = await refresh(portal, tokens.refresh_token);
      expect(stranger.status).toBe(400);
      expect((await refresh(web, rotated.refresh_token)).status).toBe(400);
      expect(await reuseDetections(decodePayload(tokens.access_token).sid)).toEqual([{ reason: 'token_reused', detail: { via: 'oidc', cause: 'other_client' } }]);
    });

    it('never lets a family fork: every answer to parallel retries refreshes into the same one chain', async () => {
      const { tokens } = await signedIn(web);
      const first = (await Promise.all(Array.from({ length: 5 }, async () => (await refresh(web, tokens.refresh_token)).json()))) as TokenSet[];
      const second: TokenSet[] = [];
      for (const body of first) second.push((await (await refresh(web, body.refresh_token)).json()) as TokenSet);
      expect(new Set(second.map((body) => body.refresh_token)).size).toBe(1);
      service.clock.advance(31_000);
      const [latest] = second as [TokenSet];
      expect((await refresh(web, latest.refresh_token)).status).toBe(200);
      expect(await reuseDetections(decodePayload(tokens.access_token).sid)).toEqual([]);
    });

    it('refuses a refresh once our session row is revoked (signed out elsewhere, by the user, by an admin)', async () => {
      const { tokens, browser } = await signedIn(web);
      const sid = String(decodePayload(tokens.access_token).sid);
      const revoke = await service.request(`/v1/auth/sessions/${sid}`, { method: 'DELETE', token: tokens.access_token });
      expect(revoke.status).toBe(204);
      const response = await refresh(web, tokens.refresh_token);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
      // The SSO cookie alone no longer signs anyone in: the password is asked for again.
      const again = await browser.follow(await browser.get(authorizationRequest(discovery, web).url));
      expect(again).not.toBeInstanceOf(URL);
      expect(await (again as Response).text()).toContain('type="password"');
    });
  });

  describe('operations', () => {
    async function exposition(): Promise<string> {
      return (await service.request('/metrics')).text();
    }

    it('counts token endpoint answers and audits refused refreshes like the API does', async () => {
      const before = await exposition();
      const { tokens } = await signedIn(web);
      expect((await refresh(web, 'not-a-refresh-token')).status).toBe(400);
      expect((await refresh(web, tokens.refresh_token)).status).toBe(200);
      const after = await exposition();
      const count = (text: string, labels: Record<string, string>) => sampleValue(text, 'portcullis_oidc_grants_total', labels);
      expect(count(after, { grant_type: 'authorization_code', outcome: 'succeeded' }) - count(before, { grant_type: 'authorization_code', outcome: 'succeeded' })).toBe(
        1,
      );
      expect(count(after, { grant_type: 'refresh_token', outcome: 'invalid_grant' }) - count(before, { grant_type: 'refresh_token', outcome: 'invalid_grant' })).toBe(1);
      expect(count(after, { grant_type: 'refresh_token', outcome: 'succeeded' }) - count(before, { grant_type: 'refresh_token', outcome: 'succeeded' })).toBe(1);
      expect(sampleValue(after, 'portcullis_http_request_duration_seconds_count', { route: '/oidc/*', status: '200', method: 'POST' })).toBeGreaterThan(0);
      const refused = await service.context.audit.list({ type: 'refresh.refused', limit: 5 });
      expect(refused[0]).toMatchObject({ reason: 'invalid_grant', detail: { via: 'oidc', client_id: web.client_id } });
    });
  });

  describe('single logout', () => {
    it('ends the SSO session without a confirmation click, notifies every app over the back channel, and revokes our session', async () => {
      receiver.tokens.length = 0;
      const { browser, tokens } = await signedIn(web);
      const second = await signInThroughProvider(browser, discovery, portal, null);
      expect((await exchange(portal, second.code, second.request.verifier)).status).toBe(200);
      const idTokenSid = decodePayload(tokens.id_token).sid;

      const endSession = new URL(discovery.end_session_endpoint);
      endSession.searchParams.set('id_token_hint', tokens.id_token);
      endSession.searchParams.set('post_logout_redirect_uri', web.post_logout_redirect_uris[0] ?? '');
      endSession.searchParams.set('state', 'bye');
      const page = await browser.get(endSession.toString());
      expect(page.status).toBe(200);
      const html = await page.text();
      const nonce = /script-src 'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
      expect(html).toContain(`<script nonce="${nonce}">document.getElementById('op.logoutForm').submit();</script>`);
      const action = /action="([^"]+)"/.exec(html)?.[1] ?? '';
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

      // What the page's script submits:
      const confirmed = await browser.postForm(action, { xsrf, logout: 'yes' });
      expect(confirmed.status).toBe(303);
      expect(confirmed.headers.get('location')).toBe(`${web.post_logout_redirect_uris[0] ?? ''}?state=bye`);

      expect(receiver.tokens.map((entry) => entry.path).sort()).toEqual(['/portal', '/web']);
      const jwks = createRemoteJWKSet(new URL(local(service, discovery.jwks_uri)));
      const webLogout = receiver.tokens.find((entry) => entry.path === '/web')?.token ?? '';
      const { payload, protectedHeader } = await jwtVerify(webLogout, jwks, {
        issuer: discovery.issuer,
        audience: web.client_id,
        algorithms: ['EdDSA'],
        typ: 'logout+jwt',
      });
      expect(payload).toMatchObject({
        sub: decodePayload(tokens.access_token).sub,
        sid: idTokenSid,
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      });
      expect(payload.nonce).toBeUndefined();
      expect(payload.jti).toEqual(expect.any(String));
      expect(protectedHeader.alg).toBe('EdDSA');

      expect((await service.request('/v1/me', { token: tokens.access_token })).status).toBe(401);
      expect((await refresh(web, tokens.refresh_token)).status).toBe(400);
      expect(browser.cookies.names()).not.toContain('__Host-portcullis-op-session');
      // The ID token went by in the end-session URL; request lines are logged without their query.
      expect(service.logs.some((line) => line.includes('"url":"/oidc/session/end"'))).toBe(true);
      expect(service.logs.join('')).not.toContain(tokens.id_token);
    });

    it('ends our session when an app revokes its refresh token (RFC 7009), and only its own tokens', async () => {
      const { tokens } = await signedIn(web);
      const byOther = await fetch(local(service, discovery.revocation_endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(portal) },
        body: new URLSearchParams({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }).toString(),
      });
      expect(byOther.status).toBe(400);
      expect((await service.request('/v1/me', { token: tokens.access_token })).status).toBe(200);

      const revoked = await fetch(local(service, discovery.revocation_endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(web) },
        body: new URLSearchParams({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }).toString(),
      });
      expect(revoked.status).toBe(200);
      expect((await service.request('/v1/me', { token: tokens.access_token })).status).toBe(401);
      expect((await refresh(web, tokens.refresh_token)).status).toBe(400);
    });

    it('refuses a post-logout redirect URI that is not registered', async () => {
      const { browser, tokens } = await signedIn(web);
      const endSession = new URL(discovery.end_session_endpoint);
      endSession.searchParams.set('id_token_hint', tokens.id_token);
      endSession.searchParams.set('post_logout_redirect_uri', 'https://evil.example.test/');
      const response = await browser.get(endSession.toString());
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    });
  });

  describe('the sign-in page and passwords', () => {
    it('answers a wrong password with the generic error, audits it, and throttles repeated failures', async () => {
      const account = await createTestAccount(service);
      const browser = new TestBrowser(service);
      const page = await browser.follow(await browser.get(authorizationRequest(discovery, web).url));
      if (page instanceof URL) throw new Error('expected the sign-in page');
      const login = `${new URL(page.url).pathname}/login`;
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const answer = await browser.postForm(login, { email: account.email, password: 'wrong-password' });
        statuses.push(answer.status);
        const html = await answer.text();
        if (answer.status === 401) expect(html).toContain('The email or password is incorrect.');
        if (answer.status === 429) expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(html).not.toContain('wrong-password');
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      const events = await service.context.audit.list({ email: account.email, limit: 10 });
      expect(events.map((event) => event.type)).toEqual(['login.throttled', 'login.failed', 'login.failed', 'login.failed']);
      expect(events[1]).toMatchObject({ reason: 'wrong_password' });
      // Even the right password is refused while throttled.
      expect((await browser.postForm(login, { email: account.email, password: account.password })).status).toBe(429);
    });

    it('accepts the form post from its own origin, as a browser sends it', async () => {
      const browser = new TestBrowser(service);
      const page = await browser.follow(await browser.get(authorizationRequest(discovery, web).url));
      if (page instanceof URL) throw new Error('expected the sign-in page');
      const answer = await browser.postForm(`${new URL(page.url).pathname}/login`, { email: ALICE, password: DEMO_PASSWORD }, { origin: 'http://localhost:4000' });
      expect(answer.status).toBe(303);
    });

    it('refuses a form post from another origin', async () => {
      const browser = new TestBrowser(service);
      const page = await browser.follow(await browser.get(authorizationRequest(discovery, web).url));
      if (page instanceof URL) throw new Error('expected the sign-in page');
      const answer = await browser.postForm(`${new URL(page.url).pathname}/login`, { email: ALICE, password: DEMO_PASSWORD }, { origin: 'https://evil.example.test' });
      expect(answer.status).toBe(400);
    });

    it('escapes what it echoes back', async () => {
      const browser = new TestBrowser(service);
      const page = await browser.follow(await browser.get(authorizationRequest(discovery, web).url));
      if (page instanceof URL) throw new Error('expected the sign-in page');
      const answer = await browser.postForm(`${new URL(page.url).pathname}/login`, { email: '"><script>alert(1)</script>@x.test', password: 'nope-nope' });
      const html = await answer.text();
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&#34;&#62;&#60;script&#62;');
    });
  });

  describe('secrets', () => {
    it('stores codes, refresh tokens and the SSO cookie only as hashes, and never logs them', async () => {
      const browser = new TestBrowser(service);
      const { code, request } = await signInThroughProvider(browser, discovery, web, { email: ALICE, password: DEMO_PASSWORD });
      const tokens = (await (await exchange(web, code, request.verifier)).json()) as TokenSet;
      const ssoCookie = /__Host-portcullis-op-session=([^;]+)/.exec(browser.cookies.header())?.[1] ?? '';
      expect(ssoCookie).not.toBe('');
      const rows = await service.context.database.db.select().from(oidcArtifacts);
      const stored = JSON.stringify(rows);
      for (const secret of [code, tokens.refresh_token, ssoCookie, web.client_secret, DEMO_PASSWORD]) {
        expect(stored).not.toContain(secret);
        expect(service.logs.join('')).not.toContain(secret);
      }
      expect(service.logs.join('')).not.toContain(tokens.access_token);
    });
  });
});
