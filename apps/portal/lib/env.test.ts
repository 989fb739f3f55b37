import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

const complete = {
  NEXTAUTH_SECRET: 's'.repeat(32),
  OIDC_ISSUER: 'http://localhost:4000',
  OIDC_CLIENT_ID: 'portcullis-portal',
  OIDC_CLIENT_SECRET: 'c'.repeat(43),
};

describe('portal environment', () => {
  it('serves on :3001 by default with its provider registration', () => {
    expect(parseEnv(complete)).toMatchObject({
      appUrl: 'http://localhost:3001',
      apiUrl: 'http://127.0.0.1:4000',
      oidc: { issuer: 'http://localhost:4000', clientId: 'portcullis-portal' },
    });
  });

  it('cannot start without single sign-on settings, and names the missing one', () => {
    const { OIDC_CLIENT_SECRET: _secret, ...withoutSecret } = complete;
    expect(() => parseEnv(withoutSecret)).toThrow(/OIDC_CLIENT_SECRET/);
    expect(() => parseEnv({ ...complete, OIDC_ISSUER: 'not a url' })).toThrow(/OIDC_ISSUER/);
  });
});
