import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../test-support/databases.js';
import { ALICE, DEMO_PASSWORD, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { discover, local, signInThroughProvider, TestBrowser, testClient, tokenRequest, type Discovery } from '../test-support/oidc-client.js';
import { rotateSigningKey } from '../tokens/signing-keys.js';

const KEY_RELOAD_MS = 60_000;
const web = testClient('portcullis-web', { backchannelLogoutUri: 'http://127.0.0.1:9/unused' });

describe.each(testBackends())('OpenID Provider across a signing key rotation on $name', (backend) => {
  let service: TestInstance;
  let discovery: Discovery;

  beforeAll(async () => {
    service = await startTestInstance(backend, { OIDC_CLIENTS: JSON.stringify([web]) });
    discovery = await discover(service);
  });

  afterAll(async () => {
    await service.close();
  });

  async function signIn(): Promise<{ access_token: string; id_token: string; refresh_token: string }> {
    const { code, request } = await signInThroughProvider(new TestBrowser(service), discovery, web, { email: ALICE, password: DEMO_PASSWORD });
    const response = await tokenRequest(service, discovery, web, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: web.redirect_uris[0] ?? '',
      code_verifier: request.verifier,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; id_token: string; refresh_token: string };
  }

  it('signs with the new key once instances see it, and still publishes the retired one', async () => {
    const before = await signIn();
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    const { kid: newKid } = await rotateSigningKey(service.context.database.db, 'EdDSA', service.clock);
    service.clock.advance(KEY_RELOAD_MS + 1);

    const after = await signIn();
    expect(decodeProtectedHeader(after.access_token).kid).toBe(newKid);
    expect(decodeProtectedHeader(after.id_token).kid).toBe(newKid);
    // Tokens signed before the rotation keep working until they expire; the refresh token survives the swap too.
    expect((await service.request('/v1/me', { token: before.access_token })).status).toBe(200);
    expect((await service.request('/v1/me', { token: after.access_token })).status).toBe(200);
    const refreshed = await tokenRequest(service, discovery, web, { grant_type: 'refresh_token', refresh_token: before.refresh_token });
    expect(refreshed.status).toBe(200);

    const jwks = createRemoteJWKSet(new URL(local(service, discovery.jwks_uri)));
    await jwtVerify(before.id_token, jwks, { issuer: discovery.issuer, audience: web.client_id, algorithms: ['EdDSA'] });
    const published = (await (await fetch(local(service, discovery.jwks_uri))).json()) as { keys: Array<{ kid: string }> };
    expect(published.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
  });

  it('advertises only the new algorithm after a rotation from EdDSA to ES256, and signs ID tokens with it', async () => {
    const { kid } = await rotateSigningKey(service.context.database.db, 'ES256', service.clock);
    service.clock.advance(KEY_RELOAD_MS + 1);

    const after = await signIn();
    expect(decodeProtectedHeader(after.id_token)).toMatchObject({ alg: 'ES256', kid });
    // Relying parties pin the first asymmetric algorithm advertised: the retired key's must not be listed.
    expect((await discover(service)).id_token_signing_alg_values_supported).toEqual(['ES256']);
  });
});
