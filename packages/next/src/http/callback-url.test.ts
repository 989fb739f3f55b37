import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from './callback-url.js';

const ORIGIN = 'http://localhost:3000';

describe('safeCallbackPath', () => {
  it.each([
    ['/sessions', '/sessions'],
    ['/admin?tab=users#top', '/admin?tab=users#top'],
    ['http://localhost:3000/sessions', '/sessions'],
  ])('keeps own-origin target %s', (raw, expected) => {
    expect(safeCallbackPath(raw, ORIGIN)).toBe(expected);
  });

  it.each([
    'https://evil.example',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    'http://localhost:3000//evil.example',
    'javascript:alert(1)',
    'http://localhost:3001/',
    'https://localhost:3000/',
    '',
  ])('sends %s home instead', (raw) => {
    expect(safeCallbackPath(raw, ORIGIN)).toBe('/');
  });

  it('refuses non-strings', () => {
    expect(safeCallbackPath(undefined, ORIGIN)).toBe('/');
    expect(safeCallbackPath(['/a'], ORIGIN)).toBe('/');
  });
});
