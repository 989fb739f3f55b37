import { describe, it, expect } from 'vitest';
import { ConfigError, configVariables, loadConfig } from './config.js';

/** The message of the ConfigError that `environment` causes, or a failure when it is accepted. */
function refusal(environment: Record<string, string | undefined>): string {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`configuration was accepted: ${JSON.stringify(environment)}`);
}

const MFA_ENCRYPTION_KEY = 'sLLcB4dcgC-vdYQ3EJ2BXwTTWSaUuTgCPdAMNK7WV5o';
const PRODUCTION = { NODE_ENV: 'production', ISSUER: 'https://auth.example.com', DATA_DIR: '/var/lib/portcullis', MFA_ENCRYPTION_KEY };

describe('loadConfig', () => {
  it('starts with the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 4000,
      issuer: 'http://localhost:4000',
      audience: 'portcullis',
      database: { kind: 'pglite', dataDir: '.data' },
      redisUrl: undefined,
      corsOrigins: ['http://localhost:3000'],
      accessTokenTtlSeconds: 900,
      refreshIdleTtlSeconds: 7 * 24 * 3600,
      refreshAbsoluteTtlSeconds: 30 * 24 * 3600,
      refreshReuseGraceSeconds: 30,
      trustProxy: undefined,
      demoPassword: undefined,
      throttle: { maxFailuresPerAccountPerHour: 100 },
    });
  });

  it('is frozen once parsed', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
    expect(Object.isFrozen(config.throttle)).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', REDIS_URL: '' })).toMatchObject({ port: 4000, database: { kind: 'pglite' }, redisUrl: undefined });
  });

  it('uses PostgreSQL when DATABASE_URL is set, and Redis when REDIS_URL is', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://user@db:5432/portcullis', REDIS_URL: 'redis://cache:6379' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://user@db:5432/portcullis' });
    expect(config.redisUrl).toBe('redis://cache:6379');
  });

  it('reads a comma list of exact origins, trimming spaces', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' }).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
  });

  it('accepts proxy addresses and ranges in TRUST_PROXY', () => {
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, ::1, 10.0.0.0/8' }).trustProxy).toEqual(['127.0.0.1', '::1', '10.0.0.0/8']);
  });

  it('takes several app credentials so one can be rotated, and none by default', () => {
    expect(loadConfig({}).appCredentials).toEqual([]);
    expect(loadConfig({ APP_CREDENTIALS: `${'a'.repeat(32)}, ${'b'.repeat(40)}` }).appCredentials).toEqual(['a'.repeat(32), 'b'.repeat(40)]);
  });

  describe('refuses, naming the variable', () => {
    it.each([
      ['an access token TTL over 30 minutes', { ACCESS_TOKEN_TTL: '1801' }, 'ACCESS_TOKEN_TTL'],
      ['a negative access token TTL', { ACCESS_TOKEN_TTL: '-5' }, 'ACCESS_TOKEN_TTL'],
      ['an access token TTL that is no number', { ACCESS_TOKEN_TTL: '15m' }, 'ACCESS_TOKEN_TTL'],
      ['the CORS wildcard', { CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
      ['the null origin', { CORS_ORIGINS: 'null' }, 'CORS_ORIGINS'],
      ['an origin with a path', { CORS_ORIGINS: 'https://app.example.com/login' }, 'CORS_ORIGINS'],
      ['an origin with a trailing slash', { CORS_ORIGINS: 'https://app.example.com/' }, 'CORS_ORIGINS'],
      ['a wildcard subdomain', { CORS_ORIGINS: 'https://*.example.com' }, 'CORS_ORIGINS'],
      ['a bad origin among good ones', { CORS_ORIGINS: 'http://localhost:3000,*' }, 'CORS_ORIGINS'],
      ['an origin with another scheme', { CORS_ORIGINS: 'file://localhost' }, 'CORS_ORIGINS'],
      ['a host name as a trusted proxy', { TRUST_PROXY: 'proxy.internal' }, 'TRUST_PROXY'],
      ['"true" as a trusted proxy', { TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
      ['a short app credential', { APP_CREDENTIALS: `${'a'.repeat(32)},short` }, 'APP_CREDENTIALS'],
      ['a port out of range', { PORT: '70000' }, 'PORT'],
      ['a non-URL issuer', { ISSUER: 'localhost:4000' }, 'ISSUER'],
      ['an issuer that is not http(s)', { ISSUER: 'ftp://auth.example.com' }, 'ISSUER'],
      ['a non-PostgreSQL DATABASE_URL', { DATABASE_URL: 'mysql://db/portcullis' }, 'DATABASE_URL'],
      ['a non-Redis REDIS_URL', { REDIS_URL: 'http://cache:6379' }, 'REDIS_URL'],
      ['an absolute refresh lifetime shorter than the idle one', { REFRESH_IDLE_TTL: '3600', REFRESH_ABSOLUTE_TTL: '60' }, 'REFRESH_ABSOLUTE_TTL'],
      ['more than 100 account failures per hour', { LOGIN_MAX_FAILURES_PER_ACCOUNT: '101' }, 'LOGIN_MAX_FAILURES_PER_ACCOUNT'],
      ['a short demo password', { DEMO_PASSWORD: 'short' }, 'DEMO_PASSWORD'],
      ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, 'NODE_ENV'],
      ['an unknown signing algorithm', { SIGNING_ALG: 'HS256' }, 'SIGNING_ALG'],
    ])('%s', (_what, environment, variable) => {
      // A list variable is named with the bad entry's index, e.g. `CORS_ORIGINS.1`.
      expect(refusal(environment)).toMatch(new RegExp(`^\\s*${variable}(\\.\\d+)?: `, 'm'));
    });

    it('accepts the 1800-second maximum exactly', () => {
      expect(loadConfig({ ACCESS_TOKEN_TTL: '1800' }).accessTokenTtlSeconds).toBe(1800);
    });

    it('lists every bad variable at once', () => {
      const message = refusal({ ACCESS_TOKEN_TTL: '9999', CORS_ORIGINS: '*', TRUST_PROXY: 'everyone' });
      expect(message).toMatch(/ACCESS_TOKEN_TTL/);
      expect(message).toMatch(/CORS_ORIGINS/);
      expect(message).toMatch(/TRUST_PROXY/);
    });

    it('never echoes a secret value in the message', () => {
      expect(refusal({ DEMO_PASSWORD: 'sh0rt' })).not.toContain('sh0rt');
    });
  });

  describe('in production', () => {
    it('refuses to start without MFA_ENCRYPTION_KEY, the key sealing TOTP secrets', () => {
      expect(() => loadConfig({ ...PRODUCTION, MFA_ENCRYPTION_KEY: undefined })).toThrow(/MFA_ENCRYPTION_KEY: is required in production/);
    });

    it('starts with an https issuer and a data directory on disk', () => {
      expect(loadConfig(PRODUCTION)).toMatchObject({ env: 'production', issuer: 'https://auth.example.com' });
    });

    it.each(['http://localhost:4000', 'http://127.0.0.1:4000'])("allows the http issuer %s on the developer's own machine", (issuer) => {
      expect(loadConfig({ ...PRODUCTION, ISSUER: issuer }).issuer).toBe(issuer);
    });

    it.each(['http://auth.example.com', 'http://10.0.0.5:4000', 'http://localhost.example.com'])('refuses the http issuer %s', (issuer) => {
      expect(refusal({ ...PRODUCTION, ISSUER: issuer })).toMatch(/^\s*ISSUER: .*https/m);
    });

    it('refuses demo users', () => {
      expect(refusal({ ...PRODUCTION, DEMO_PASSWORD: 'correct-horse-battery-staple' })).toMatch(/^\s*DEMO_PASSWORD: /m);
    });

    it('refuses an in-memory database without another persistent signing key', () => {
      expect(refusal({ ...PRODUCTION, DATA_DIR: 'memory://' })).toMatch(/^\s*SIGNING_KEY: /m);
    });

    it.each([
      ['DATABASE_URL', { DATABASE_URL: 'postgres://db/portcullis' }],
      ['SIGNING_KEY', { SIGNING_KEY: '{"kty":"OKP"}' }],
    ])('accepts an in-memory data directory when %s keeps keys elsewhere', (_what, extra) => {
      expect(() => loadConfig({ ...PRODUCTION, DATA_DIR: 'memory://', ...extra })).not.toThrow();
    });
  });
});

describe('configVariables (what --help lists)', () => {
  it('describes every variable', () => {
    const variables = configVariables();
    expect(variables.length).toBeGreaterThan(30);
    for (const variable of variables) expect(variable.description, variable.name).toMatch(/\w{3}/);
  });

  it('shows the defaults loadConfig applies: setting each shown default changes nothing', () => {
    const shown = Object.fromEntries(configVariables().flatMap(({ name, defaultValue }) => (defaultValue === undefined ? [] : [[name, defaultValue]])));
    expect(Object.keys(shown)).toEqual(expect.arrayContaining(['PORT', 'ISSUER', 'CORS_ORIGINS', 'ACCESS_TOKEN_TTL', 'LOG_LEVEL']));
    expect(loadConfig(shown)).toEqual(loadConfig({}));
  });

  it('shows no default for what is unset unless configured', () => {
    const unset = configVariables()
      .filter((variable) => variable.defaultValue === undefined)
      .map((variable) => variable.name);
    expect(unset).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'SIGNING_KEY', 'METRICS_TOKEN', 'OIDC_CLIENTS']));
  });
});
