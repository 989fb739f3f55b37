import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { resolveOptions } from './options.js';

const base = { backendUrl: 'http://127.0.0.1:4000/', appUrl: 'http://localhost:3000/x', secret: 's'.repeat(32) };

describe('resolveOptions', () => {
  it('applies safe defaults', () => {
    const config = resolveOptions(base);
    expect(config.appOrigin).toBe('http://localhost:3000');
    expect(config.backendUrl).toBe('http://127.0.0.1:4000');
    expect(config.exposeAccessToken).toBe(false);
    expect(config.secureCookies).toBe(true);
    expect(config.sessionCheckMaxAgeSeconds).toBe(5);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names the option that is wrong', () => {
    expect(() => resolveOptions({ ...base, secret: 'short' })).toThrow(InvalidOptionError);
    expect(() => resolveOptions({ ...base, secret: 'short' })).toThrow(/"secret"/);
    expect(() => resolveOptions({ ...base, sessionCheckMaxAgeSeconds: 30 })).toThrow(/"sessionCheckMaxAgeSeconds"/);
    expect(() => resolveOptions({ ...base, backendUrl: 'ftp://x' })).toThrow(/"backendUrl"/);
  });

  it('refuses unknown options rather than ignoring a typo', () => {
    expect(() => resolveOptions({ ...base, exposeAccesToken: true } as never)).toThrow(InvalidOptionError);
  });
});
