import { describe, expect, it } from 'vitest';
import { hasEventFilters, parseSecurityQuery, securitySearch } from './security-query';

describe('security dashboard query', () => {
  it('reads the window and every filter from the query string', () => {
    const query = parseSecurityQuery({
      window: '7d',
      type: 'login.failed',
      user: ' eve@example.com ',
      ip: '::1',
      outcome: 'failure',
      sid: 'abc_DEF-1',
      since: '1000',
      until: '2000',
    });
    expect(query).toEqual({ window: '7d', type: 'login.failed', user: 'eve@example.com', ip: '::1', outcome: 'failure', sid: 'abc_DEF-1', since: 1000, until: 2000 });
    expect(hasEventFilters(query)).toBe(true);
  });

  it('drops malformed values instead of failing, so a hand-edited URL still shows a dashboard', () => {
    const query = parseSecurityQuery({ window: '1y', type: 'drop.tables', ip: "1.2.3.4' OR 1=1", outcome: 'maybe', sid: 'a b', since: 'yesterday', user: '' });
    expect(query).toEqual({ window: '1h' });
    expect(hasEventFilters(query)).toBe(false);
  });

  it('takes the first of repeated parameters', () => {
    expect(parseSecurityQuery({ window: ['24h', '7d'] }).window).toBe('24h');
  });

  it('writes a canonical search string without empty fields, which parses back to the same query', () => {
    const search = securitySearch({ window: '24h', type: 'refresh.reuse_detected', sid: 's1', user: undefined });
    expect(search).toBe('?window=24h&type=refresh.reuse_detected&sid=s1');
    expect(parseSecurityQuery(Object.fromEntries(new URLSearchParams(search)))).toEqual({ window: '24h', type: 'refresh.reuse_detected', sid: 's1' });
    expect(securitySearch({})).toBe('');
  });
});
