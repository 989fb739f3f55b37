import { describe, expect, it } from 'vitest';
import { checkSameOrigin } from './same-origin.js';

const APP = 'http://localhost:3000';
const post = (headers: Record<string, string>) => ({ method: 'POST', headers: new Headers(headers) });

describe('checkSameOrigin', () => {
  it('lets a same-origin browser POST through', () => {
    expect(checkSameOrigin(post({ origin: APP, 'sec-fetch-site': 'same-origin' }), APP)).toEqual({ ok: true });
  });

  it('accepts a matching Origin from a browser that sends no fetch metadata', () => {
    expect(checkSameOrigin(post({ origin: APP }), APP).ok).toBe(true);
  });

  it.each([
    [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 'sec-fetch-site cross-site'],
    [{ origin: APP, 'sec-fetch-site': 'same-site' }, 'sec-fetch-site same-site'],
    [{ origin: 'https://evil.example' }, 'foreign origin'],
    [{ origin: 'null' }, 'foreign origin'],
    [{}, 'no origin'],
    [{ 'sec-fetch-site': 'same-origin' }, 'no origin'],
  ])('refuses %j', (headers, reason) => {
    expect(checkSameOrigin(post(headers), APP)).toEqual({ ok: false, reason });
  });

  it('does not police safe methods', () => {
    expect(checkSameOrigin({ method: 'GET', headers: new Headers({ origin: 'https://evil.example' }) }, APP).ok).toBe(true);
  });
});
