import { decodeJwt, SignJWT } from 'jose';
import * as openid from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../test-support/databases.js';
import { ALICE, DEMO_PASSWORD, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { API_RESOURCE, local, signInThroughProvider, TestBrowser, testClient, type TestClient } from '../test-support/oidc-client.js';

describe.each(testBackends())('userinfo for a relying party on openid-client 6, on $name', (backend) => {
  let service: TestInstance;
  let web: TestClient;
  let relyingParty: openid.Configuration;

  beforeAll(async () => {
    web = testClient('portcullis-web');
    service = await startTestInstance(backend, { OIDC_CLIENTS: JSON.stringify([web]) });
    // A generic relying party: everything from discovery, nothing about our provider configured by hand.
    relyingParty = await openid.discovery(new URL(service.context.config.issuer), web.client_id, web.client_secret, openid.ClientSecretBasic(), {
      execute: [openid.allowInsecureRequests],
      // The issuer is http://localhost:4000; the instance listens on a random port.
      [openid.customFetch]: (url, options) => fetch(local(service, url), options),
    });
  });

  afterAll(async () => {
    await service.close();
  });

  /** Signs in at the provider's page, then lets openid-client redeem the code (PKCE, state, nonce, ID token checks). */
  async function signedIn(scope = web.scope): Promise<{ accessToken: string; refreshToken: string; sub: string }> {
    const { callback, request } = await signInThroughProvider(
      new TestBrowser(service),
      relyingParty.serverMetadata() as never,
      web,
      { email: ALICE, password: DEMO_PASSWORD },
      { scope },
    );
    const tokens = await openid.authorizationCodeGrant(
      relyingParty,
      callback,
      { pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state },
      { resource: API_RESOURCE },
    );
    const sub = tokens.claims()?.sub;
    if (sub === undefined || tokens.refresh_token === undefined) throw new Error('no ID token or refresh token');
    return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, sub };
  }

  function userinfo(token: string | undefined, method: 'GET' | 'POST' = 'GET'): Promise<Response> {
    return fetch(local(service, relyingParty.serverMetadata().userinfo_endpoint ?? ''), {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  }

  it('advertises a userinfo endpoint that answers the claims the ID token carries, for the access token we issued', async () => {
    expect(relyingParty.serverMetadata().userinfo_endpoint).toBe('http://localhost:4000/oidc/me');
    const { accessToken, sub } = await signedIn();
    const claims = await openid.fetchUserInfo(relyingParty, accessToken, sub);
    expect(claims).toEqual({ sub, email: ALICE, name: 'Alice User', role: 'USER' });
  });

  it('answers GET and POST (OpenID Connect Core §5.3.1) without letting caches keep the answer', async () => {
    const { accessToken, sub } = await signedIn();
    for (const method of ['GET', 'POST'] as const) {
      const response = await userinfo(accessToken, method);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toMatchObject({ sub });
    }
  });

  it('answers for an access token from a refresh just as for the first one', async () => {
    const { refreshToken, sub } = await signedIn();
    const refreshed = await openid.refreshTokenGrant(relyingParty, refreshToken, { resource: API_RESOURCE });
    expect(await openid.fetchUserInfo(relyingParty, refreshed.access_token, sub)).toEqual({ sub, email: ALICE, name: 'Alice User', role: 'USER' });
  });

  it('answers only `sub` when neither profile nor email was granted (OpenID Connect Core §5.4)', async () => {
    const { accessToken, sub } = await signedIn('openid offline_access profile:read');
    expect(await openid.fetchUserInfo(relyingParty, accessToken, sub)).toEqual({ sub });
  });

  it('refuses a request without a token: 401 with a Bearer challenge', async () => {
    const response = await userinfo(undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });

  it('refuses a token of our API that was not granted openid: 403 insufficient_scope', async () => {
    const { accessToken } = await service.login(ALICE);
    const response = await userinfo(accessToken);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="openid"');
  });

  it('refuses a token signed with our key for another audience: 401 invalid_token, and openid-client reports the challenge', async () => {
    const { kid, alg, privateKey } = await service.context.keys.signingKey();
    const now = Math.floor(service.clock.now() / 1000);
    const foreign = await new SignJWT({ sid: 'any', role: 'USER', scope: 'openid profile email', auth_time: now })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
      .setIssuer(service.context.config.issuer)
      .setAudience('https://other-api.example')
      .setSubject('someone')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti('foreign-1')
      .sign(privateKey);
    const response = await userinfo(foreign);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    await expect(openid.fetchUserInfo(relyingParty, foreign, openid.skipSubjectCheck)).rejects.toMatchObject({ name: 'WWWAuthenticateChallengeError', status: 401 });
  });

  it('refuses a token whose session has ended (the app revoked its refresh token to sign out): 401 invalid_token', async () => {
    const { accessToken, refreshToken } = await signedIn();
    await openid.tokenRevocation(relyingParty, refreshToken);
    expect((await userinfo(accessToken)).status).toBe(401);
  });

  it('refuses an expired token: 401 invalid_token', async () => {
    const { accessToken } = await signedIn();
    // The provider stamps `exp` from the real clock; move our verifier's clock a minute past it.
    const { exp = 0 } = decodeJwt(accessToken);
    service.clock.advance(exp * 1000 - service.clock.now() + 60_000);
    const response = await userinfo(accessToken);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});
