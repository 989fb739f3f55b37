import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../test-support/databases.js';
import { ALICE, DEMO_PASSWORD, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { discover, local, signInThroughProvider, TestBrowser, testClient, tokenRequest, type Discovery } from '../test-support/oidc-client.js';

/** Keeps the logout tokens the provider posts to the app's back-channel logout URI. */
async function startLogoutReceiver(): Promise<{ url: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/logout`, tokens, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(testBackends())('OpenID Provider with SIGNING_ALG=ES256 on $name', (backend) => {
  let service: TestInstance;
  let discovery: Discovery;
  let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;
  let web: ReturnType<typeof testClient>;

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    web = testClient('portcullis-web', { backchannelLogoutUri: receiver.url });
    service = await startTestInstance(backend, { OIDC_CLIENTS: JSON.stringify([web]), SIGNING_ALG: 'ES256' });
    discovery = await discover(service);
  });

  afterAll(async () => {
    await service.close();
    await receiver.close();
  });

  async function signIn(browser: TestBrowser): Promise<{ access_token: string; id_token: string }> {
    const { code, request } = await signInThroughProvider(browser, discovery, web, { email: ALICE, password: DEMO_PASSWORD });
    const response = await tokenRequest(service, discovery, web, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: web.redirect_uris[0] ?? '',
      code_verifier: request.verifier,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; id_token: string };
  }

  it('advertises ES256 as its only ID token algorithm, so relying parties pin the one it signs with', () => {
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('signs the ID token and the access token with ES256, and the API accepts the access token', async () => {
    const tokens = await signIn(new TestBrowser(service));
    const jwks = createRemoteJWKSet(new URL(local(service, discovery.jwks_uri)));
    await jwtVerify(tokens.id_token, jwks, { issuer: discovery.issuer, audience: web.client_id, algorithms: ['ES256'] });
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect((await service.request('/v1/me', { token: tokens.access_token })).status).toBe(200);
  });

  it('signs the back-channel logout token with ES256 when the user signs out at the provider', async () => {
    const browser = new TestBrowser(service);
    const tokens = await signIn(browser);
    const endSession = new URL(discovery.end_session_endpoint);
    endSession.searchParams.set('id_token_hint', tokens.id_token);
    endSession.searchParams.set('post_logout_redirect_uri', web.post_logout_redirect_uris[0] ?? '');
    const html = await (await browser.get(endSession.toString())).text();
    const action = /action="([^"]+)"/.exec(html)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect((await browser.postForm(action, { xsrf, logout: 'yes' })).status).toBe(303);

    const jwks = createRemoteJWKSet(new URL(local(service, discovery.jwks_uri)));
    const { protectedHeader } = await jwtVerify(receiver.tokens.at(-1) ?? '', jwks, {
      issuer: discovery.issuer,
      audience: web.client_id,
      algorithms: ['ES256'],
      typ: 'logout+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
  });
});
