import { describe, expect, it } from 'vitest';
import { detectAlerts, type AlertRules, type ObservedEvent } from './detectors.js';

const rules: AlertRules = { windowSeconds: 300, failedLoginsPerAccount: 5, failedLoginsPerIp: 8, authorizationDenials: 4, refreshFailures: 6, mfaFailuresPerAccount: 3 };
const NOW = 1_800_000_000_000;

function events(count: number, template: Partial<ObservedEvent> & Pick<ObservedEvent, 'type'>, spacingMs = 1000): ObservedEvent[] {
  return Array.from({ length: count }, (_, index) => ({ ip: null, sid: null, email: null, userId: null, at: NOW - index * spacingMs, ...template }));
}

describe('alert detectors', () => {
  it('stay quiet on ordinary traffic', () => {
    const ordinary = [
      ...events(4, { type: 'login.failed', email: 'alice@example.com', ip: '198.51.100.1' }),
      ...events(3, { type: 'authz.denied' }),
      ...events(5, { type: 'refresh.refused' }),
      ...events(2, { type: 'mfa.failed', userId: 'user-1' }),
    ];
    expect(detectAlerts(ordinary, rules, NOW)).toEqual([]);
  });

  it('flag a brute-force burst on one account, from however many IPs', () => {
    const stuffing = Array.from({ length: 5 }, (_, index) => ({
      type: 'login.failed' as const,
      at: NOW - index * 1000,
      ip: `203.0.113.${index}`,
      sid: null,
      email: 'maria@example.com',
      userId: null,
    }));
    const [alert] = detectAlerts(stuffing, rules, NOW);
    expect(alert).toMatchObject({
      type: 'brute_force.account',
      subject: 'maria@example.com',
      count: 5,
      firstEventAt: NOW - 4000,
      lastEventAt: NOW,
      events: { type: 'login.failed', email: 'maria@example.com', since: NOW - 4000, until: NOW },
    });
  });

  it('flag credential stuffing from one IP across many accounts', () => {
    const spray = Array.from({ length: 8 }, (_, index) => ({
      type: 'login.failed' as const,
      at: NOW - index,
      ip: '192.0.2.66',
      sid: null,
      email: `user${index}@example.com`,
      userId: null,
    }));
    const alerts = detectAlerts(spray, rules, NOW);
    expect(alerts.map((alert) => [alert.type, alert.subject])).toEqual([['brute_force.ip', '192.0.2.66']]);
    expect(alerts[0]?.events).toMatchObject({ ip: '192.0.2.66' });
  });

  it('flag repeated wrong second factors on one account, from however many addresses, and not across accounts', () => {
    const guessing = Array.from({ length: 3 }, (_, index) => ({
      type: 'mfa.failed' as const,
      at: NOW - index * 1000,
      ip: `203.0.113.${index}`,
      sid: null,
      email: null,
      userId: 'user-with-a-known-password',
    }));
    const scattered = [...events(2, { type: 'mfa.failed', userId: 'user-a' }), ...events(2, { type: 'mfa.failed', userId: 'user-b' })];
    const alerts = detectAlerts([...guessing, ...scattered], rules, NOW);
    expect(alerts).toEqual([
      expect.objectContaining({
        type: 'brute_force.mfa',
        subject: 'user-with-a-known-password',
        count: 3,
        events: { type: 'mfa.failed', userId: 'user-with-a-known-password', since: NOW - 2000, until: NOW },
      }),
    ]);
  });

  it('flag every refresh-token reuse, one alert per session', () => {
    const reuse = [...events(2, { type: 'refresh.reuse_detected', sid: 'sid-1' }), ...events(1, { type: 'refresh.reuse_detected', sid: 'sid-2' })];
    expect(
      detectAlerts(reuse, rules, NOW)
        .map((alert) => alert.subject)
        .sort(),
    ).toEqual(['sid-1', 'sid-2']);
  });

  it('flag spikes of authorization denials and refused refreshes', () => {
    const spikes = [...events(4, { type: 'authz.denied' }), ...events(6, { type: 'refresh.refused' })];
    expect(
      detectAlerts(spikes, rules, NOW)
        .map((alert) => alert.type)
        .sort(),
    ).toEqual(['authz.denial_spike', 'refresh.failure_spike']);
  });

  it('only count the last window, and keep one dedupe key per subject and window', () => {
    const spread = events(10, { type: 'login.failed', email: 'slow@example.com' }, 60_000);
    // Ten failures an hour apart in total, but only five fall within the last 300 s.
    const [alert] = detectAlerts(spread, rules, NOW);
    expect(alert?.count).toBe(5);
    const again = detectAlerts(spread, rules, NOW + 1000);
    expect(again[0]?.dedupeKey).toBe(alert?.dedupeKey);
  });
});
