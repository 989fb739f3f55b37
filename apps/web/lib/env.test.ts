import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

const base = { NEXTAUTH_SECRET: 's'.repeat(32) };
const oidc = { OIDC_ISSUER: 'http://localhost:4000', OIDC_CLIENT_ID: 'portcullis-web', OIDC_CLIENT_SECRET: 'c'.repeat(43) };

describe('web app environment: sign-in methods', () => {
  it('offers only the password form without single sign-on settings', () => {
    expect(parseEnv(base)).toMatchObject({ mode: 'credentials', oidc: undefined });
  });

  it('offers both when the OIDC settings are there, unless AUTH_MODES narrows it', () => {
    expect(parseEnv({ ...base, ...oidc })).toMatchObject({ mode: 'both', oidc: { issuer: 'http://localhost:4000', clientId: 'portcullis-web' } });
    expect(parseEnv({ ...base, ...oidc, AUTH_MODES: 'oidc' }).mode).toBe('oidc');
    expect(parseEnv({ ...base, ...oidc, AUTH_MODES: 'credentials' }).mode).toBe('credentials');
  });

  it('names the variable that is wrong', () => {
    expect(() => parseEnv({ ...base, OIDC_ISSUER: oidc.OIDC_ISSUER })).toThrow(/OIDC_ISSUER/);
    expect(() => parseEnv({ ...base, AUTH_MODES: 'oidc' })).toThrow(/AUTH_MODES/);
    expect(() => parseEnv({ ...base, ...oidc, AUTH_MODES: 'magic-link' })).toThrow(/AUTH_MODES/);
  });

  it('offers sign-up only when SIGNUP is open, as the user-service reads it', () => {
    expect(parseEnv(base).signupOpen).toBe(false);
    expect(parseEnv({ ...base, SIGNUP: 'open' }).signupOpen).toBe(true);
    expect(() => parseEnv({ ...base, SIGNUP: 'everyone' })).toThrow(/SIGNUP/);
  });

  it('wants a multi-factor session on the admin pages when MFA_REQUIRED_ROLES names ADMIN, as the user-service reads it', () => {
    expect(parseEnv(base).adminNeedsMfa).toBe(true);
    expect(parseEnv({ ...base, MFA_REQUIRED_ROLES: 'MANAGER' }).adminNeedsMfa).toBe(false);
    expect(parseEnv({ ...base, MFA_REQUIRED_ROLES: 'none' }).adminNeedsMfa).toBe(false);
    expect(parseEnv({ ...base, MFA_REQUIRED_ROLES: '' }).adminNeedsMfa).toBe(false);
    expect(() => parseEnv({ ...base, MFA_REQUIRED_ROLES: 'ADMIN,ROOT' })).toThrow(/MFA_REQUIRED_ROLES/);
  });
});
