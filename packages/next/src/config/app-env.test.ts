import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appEnv, appEnvFields, parseAppEnv, parseEnvironment, portField } from './app-env.js';

const schema = z.object({ APP_PORT: portField(3005), ...appEnvFields });

describe('an app environment', () => {
  it('serves on localhost at its own port unless NEXTAUTH_URL says otherwise', () => {
    const parsed = parseEnvironment(schema, { NEXTAUTH_SECRET: 's'.repeat(32) });
    expect(appEnv(parsed, parsed.APP_PORT)).toEqual({
      apiUrl: 'http://127.0.0.1:4000',
      appUrl: 'http://localhost:3005',
      secret: 's'.repeat(32),
      sessionIdleSeconds: 7 * 24 * 3600,
      debug: undefined,
      appCredential: undefined,
      trustProxy: undefined,
    });
    const behindADomain = parseEnvironment(schema, { NEXTAUTH_SECRET: 's'.repeat(32), NEXTAUTH_URL: 'https://app.example.com' });
    expect(appEnv(behindADomain, behindADomain.APP_PORT).appUrl).toBe('https://app.example.com');
  });

  it('stops with the name of the variable that is wrong, never its value', () => {
    expect(() => parseEnvironment(schema, { NEXTAUTH_SECRET: 'short-secret' })).toThrow(
      'Invalid environment variable NEXTAUTH_SECRET: must be at least 32 characters (`openssl rand -base64 32` makes one)',
    );
    expect(() => parseEnvironment(schema, { NEXTAUTH_SECRET: 's'.repeat(32), APP_PORT: '70000' })).toThrow(/^Invalid environment variable APP_PORT:/);
  });

  it('reads the app credential and the trusted proxies, refusing entries that are no address or range', () => {
    const parsed = parseEnvironment(schema, { NEXTAUTH_SECRET: 's'.repeat(32), PORTCULLIS_APP_CREDENTIAL: 'c'.repeat(32), TRUST_PROXY: '10.0.0.0/8, ::1' });
    expect(appEnv(parsed, parsed.APP_PORT)).toMatchObject({ appCredential: 'c'.repeat(32), trustProxy: ['10.0.0.0/8', '::1'] });
    expect(() => parseEnvironment(schema, { NEXTAUTH_SECRET: 's'.repeat(32), TRUST_PROXY: 'proxy.internal' })).toThrow(/^Invalid environment variable TRUST_PROXY:/);
    expect(() => parseEnvironment(schema, { NEXTAUTH_SECRET: 's'.repeat(32), TRUST_PROXY: '10.0.0.0/33' })).toThrow(/^Invalid environment variable TRUST_PROXY:/);
    expect(() => parseEnvironment(schema, { NEXTAUTH_SECRET: 's'.repeat(32), PORTCULLIS_APP_CREDENTIAL: 'short' })).toThrow(
      /^Invalid environment variable PORTCULLIS_APP_CREDENTIAL:/,
    );
  });

  it('of an app that reads nothing else comes from PORT and the shared variables alone, frozen', () => {
    const env = parseAppEnv({ PORT: '3100', NEXTAUTH_SECRET: 's'.repeat(32), API_URL: 'http://127.0.0.1:4100' });
    expect(env).toMatchObject({ apiUrl: 'http://127.0.0.1:4100', appUrl: 'http://localhost:3100', secret: 's'.repeat(32) });
    expect(Object.isFrozen(env)).toBe(true);
    expect(parseAppEnv({ NEXTAUTH_SECRET: 's'.repeat(32) }).appUrl).toBe('http://localhost:3000');
    expect(() => parseAppEnv({})).toThrow(/^Invalid environment variable NEXTAUTH_SECRET:/);
  });
});
