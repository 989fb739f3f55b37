import { describe, expect, it } from 'vitest';
import { buildCharts, firstBucket } from './charts';

const MINUTE = 60_000;
const now = Date.UTC(2026, 4, 1, 14, 3, 27);

describe('chart buckets', () => {
  it('starts the window on a whole bucket so that the last bucket holds now', () => {
    expect(firstBucket(now, '1h')).toBe(Date.UTC(2026, 4, 1, 13, 4));
    expect(firstBucket(now, '24h')).toBe(Date.UTC(2026, 3, 30, 15));
    expect(firstBucket(now, '7d')).toBe(Date.UTC(2026, 3, 25));
  });

  it('fills every bucket of every series, zeros included, from the sparse rows of /v1/audit/stats', () => {
    const since = firstBucket(now, '1h');
    const last = Date.UTC(2026, 4, 1, 14, 3);
    const charts = buildCharts(
      [
        { at: last, type: 'login.failed', count: 5 },
        { at: last - MINUTE, type: 'login.succeeded', count: 2 },
        { at: last, type: 'refresh.reuse_detected', count: 1 },
        { at: last, type: 'user.changed', count: 9 },
      ],
      since,
      now,
      60,
    );
    const signIns = charts.find((chart) => chart.id === 'signins');
    expect(signIns?.buckets).toHaveLength(60);
    expect(signIns?.buckets.at(-1)).toBe(last);
    expect(signIns?.series.map((series) => [series.label, series.counts.at(-1), series.counts.at(-2)])).toEqual([
      ['Succeeded', 0, 2],
      ['Failed', 5, 0],
    ]);
    expect(charts.find((chart) => chart.id === 'reuse')?.series[0]?.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(charts.map((chart) => chart.id)).toEqual([
      'signins',
      'throttled',
      'refreshes',
      'reuse',
      'denials',
      'new-devices',
      'credential-changes',
      'recovery',
      'accounts',
      'approvals',
    ]);
  });

  it('charts the account events: new-device sign-ins, password and email changes, resets and new accounts', () => {
    const since = firstBucket(now, '1h');
    const last = Date.UTC(2026, 4, 1, 14, 3);
    const rows = [
      { at: last, type: 'login.new_device', count: 3 },
      { at: last, type: 'email.change_cancelled', count: 1 },
      { at: last, type: 'password.reset', count: 2 },
      { at: last, type: 'account.signed_up', count: 4 },
    ] as const;
    const charts = buildCharts([...rows], since, now, 60);
    const latest = (id: string) => Object.fromEntries(charts.find((chart) => chart.id === id)?.series.map((series) => [series.label, series.counts.at(-1)]) ?? []);
    expect(latest('new-devices')).toEqual({ 'New device': 3 });
    expect(latest('credential-changes')).toMatchObject({ 'Email change cancelled': 1, 'Password changed': 0 });
    expect(latest('recovery')).toEqual({ Asked: 0, Done: 2 });
    expect(latest('accounts')).toMatchObject({ 'Signed up': 4 });
  });
});
