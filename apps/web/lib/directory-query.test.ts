import { describe, expect, it } from 'vitest';
import { directoryHref, parseDirectoryQuery } from './directory-query';

describe("the admin directory's address", () => {
  it('reads the search, the filters and the cursor', () => {
    expect(parseDirectoryQuery({ q: ' maria ', role: 'MANAGER', status: 'invited', cursor: 'bWFyaWFAZXhhbXBsZS5jb20' })).toEqual({
      q: 'maria',
      role: 'MANAGER',
      status: 'invited',
      cursor: 'bWFyaWFAZXhhbXBsZS5jb20',
    });
  });

  it('drops what makes no sense instead of failing the page: an unknown role or status, a bad cursor, empty fields', () => {
    expect(parseDirectoryQuery({ q: '', role: 'ROOT', status: 'sleeping', cursor: '../etc' })).toEqual({});
    expect(parseDirectoryQuery({ q: ['first', 'second'] })).toEqual({ q: 'first' });
    expect(parseDirectoryQuery({ q: 'adam\u0000' })).toEqual({});
    expect(parseDirectoryQuery({ q: 'adam@\u202Eexample.com' })).toEqual({});
  });

  it('builds the link of a page, keeping the search and the filters', () => {
    expect(directoryHref({})).toBe('/admin');
    expect(directoryHref({ q: 'a b', status: 'active', cursor: 'YQ' })).toBe('/admin?q=a+b&status=active&cursor=YQ');
    expect(directoryHref({ q: 'a', cursor: undefined })).toBe('/admin?q=a');
  });
});
