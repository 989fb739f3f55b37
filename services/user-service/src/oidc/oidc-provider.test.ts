import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../test-support/databases.js';
import { ALICE, DEMO_PASSWORD, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { discover, local, signInThroughProvider, TestBrowser, testClient, tokenRequest, type Discovery } from '../test-support/oidc-client.js';

const web = testClient('portcullis-web');

describe.each(testBackends())('OpenID Provider on $name', (backend) => {
  let service: TestInstance;
  let discovery: Discovery;

  beforeAll(async () => {
    service = await startTestInstance(backend, { OIDC_CLIENTS: JSON.stringify([web]) });
    discovery = await discover(service);
  });

  afterAll(async () => {
    await service.close();
  });

  it('publishes its discovery document under the issuer, with every endpoint under /oidc/', async () => {
    expect(discovery.issuer).toBe('http://localhost:4000');
    expect(discovery.authorization_endpoint).toBe('http://localhost:4000/oidc/auth');
    expect(discovery.token_endpoint).toBe('http://localhost:4000/oidc/token');
    expect(discovery.jwks_uri).toBe('http://localhost:4000/oidc/jwks');
    expect(discovery.end_session_endpoint).toBe('http://localhost:4000/oidc/session/end');
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('signs a user in with code + PKCE and issues an access token that GET /v1/me accepts', async () => {
    const browser = new TestBrowser(service);
    const { code, request, callback } = await signInThroughProvider(browser, discovery, web, { email: ALICE, password: DEMO_PASSWORD });
    expect(callback.searchParams.get('state')).toBe(request.state);
    const response = await tokenRequest(service, discovery, web, { grant_type: 'authorization_code', code, redirect_uri: web.redirect_uris[0] ?? '', code_verifier: request.verifier, resource: 'urn:portcullis:api' });
    const tokens = (await response.json()) as Record<string, string>;
    expect(response.status, JSON.stringify(tokens)).toBe(200);
    const me = await service.request('/v1/me', { token: tokens.access_token });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { email: ALICE } });
    const jwks = createRemoteJWKSet(new URL(local(service, discovery.jwks_uri)));
    const { payload } = await jwtVerify(tokens.id_token ?? '', jwks, { issuer: discovery.issuer, audience: web.client_id, algorithms: ['EdDSA'] });
    expect(payload).toMatchObject({ nonce: request.nonce, email: ALICE, role: 'USER', name: 'Alice User' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });
});
