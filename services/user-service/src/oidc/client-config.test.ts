import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

const client = {
  client_id: 'portcullis-web',
  client_secret: 'a-long-random-client-secret-of-40-chars!',
  redirect_uris: ['http://localhost:3000/api/auth/callback/portcullis'],
  post_logout_redirect_uris: ['http://localhost:3000/signin'],
  backchannel_logout_uri: 'http://localhost:3000/api/auth/backchannel-logout',
  scope: 'openid profile email offline_access profile:read',
};

function refusal(environment: Record<string, string>): string {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('configuration was accepted');
}

describe('OpenID Provider configuration', () => {
  it('mounts the provider with no clients and the default API resource when nothing is set', () => {
    expect(loadConfig({}).oidc).toEqual({ clients: [], apiResource: 'urn:portcullis:api', cookieKeys: undefined, localIssuer: true });
  });

  it('reads clients from OIDC_CLIENTS', () => {
    const config = loadConfig({ OIDC_CLIENTS: JSON.stringify([client]) });
    expect(config.oidc.clients).toEqual([client]);
  });

  it('names OIDC_CLIENTS when it is not JSON, without echoing it', () => {
    const message = refusal({ OIDC_CLIENTS: '[{"client_secret": "super-secret-value"' });
    expect(message).toMatch(/OIDC_CLIENTS: must be valid JSON/);
    expect(message).not.toContain('super-secret-value');
  });

  it.each([
    ['a short secret', { client_secret: 'short' }, /client_secret: must be at least 32 characters/],
    ['a redirect URI that is not a URL', { redirect_uris: ['/callback'] }, /redirect_uris\.0/],
    ['a redirect URI with a fragment', { redirect_uris: ['https://app.example.com/cb#x'] }, /redirect_uris\.0/],
    ['no openid scope', { scope: 'profile:read' }, /scope: must include openid/],
    ['an unknown property', { grant_types: ['implicit'] }, /OIDC_CLIENTS/],
  ])('refuses %s', (_name, change, expected) => {
    expect(refusal({ OIDC_CLIENTS: JSON.stringify([{ ...client, ...change }]) })).toMatch(expected);
  });

  it('refuses two clients with one id', () => {
    expect(refusal({ OIDC_CLIENTS: JSON.stringify([client, client]) })).toMatch(/OIDC_CLIENTS: client_id values must be unique/);
  });

  it('needs shared cookie keys for an issuer other than localhost', () => {
    const environment = { ISSUER: 'https://auth.example.com', OIDC_CLIENTS: JSON.stringify([client]) };
    expect(refusal(environment)).toMatch(/OIDC_COOKIE_KEYS: is required/);
    expect(refusal({ ...environment, OIDC_COOKIE_KEYS: 'too-short' })).toMatch(/OIDC_COOKIE_KEYS/);
    const config = loadConfig({ ...environment, OIDC_COOKIE_KEYS: `${'k'.repeat(32)},${'o'.repeat(32)}` });
    expect(config.oidc).toMatchObject({ cookieKeys: ['k'.repeat(32), 'o'.repeat(32)], localIssuer: false });
  });
});
