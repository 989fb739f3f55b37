import type { Alert, TokenResponse } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { enrolTotpDirectly, passwordStep, totpCode } from '../test-support/mfa.js';
import { ADAM, ALICE, DEMO_PASSWORD, startTestInstance, type TestInstance } from '../test-support/harness.js';

// Behind TRUST_PROXY loopback callers are not trusted with /metrics: the scrape token is.
const METRICS_TOKEN = 'alerts-test-metrics-token';

describe.each(testBackends())('alerts from the audit trail on $name', (backend) => {
  let service: TestInstance;
  let admin: TokenResponse;

  beforeAll(async () => {
    service = await startTestInstance(backend, {
      TRUST_PROXY: '127.0.0.1,::1',
      METRICS_TOKEN,
      ALERT_FAILED_LOGINS_PER_ACCOUNT: '4',
      ALERT_FAILED_LOGINS_PER_IP: '6',
      LOGIN_MAX_FAILURES_PER_EMAIL_IP: '50',
      ALERT_MFA_FAILURES_PER_ACCOUNT: '3',
    });
    admin = await service.login(ADAM);
  });

  afterAll(async () => {
    await service.close();
  });

  it('raises brute-force and reuse alerts once, logs them as alert.* and links to the events behind them', async () => {
    for (let attempt = 0; attempt < 6; attempt += 1) {
      await service.request('/v1/auth/login', {
        method: 'POST',
        json: { email: 'target@example.com', password: `guess-${attempt}` },
        headers: { 'x-forwarded-for': '198.51.100.23' },
      });
    }
    const victim = await service.login(ALICE);
    const stolen = victim.refreshToken;
    await service.refresh(stolen);
    service.clock.advance(31_000);
    expect((await service.refresh(stolen)).status).toBe(401);

    const raised = await service.context.alerts.scan();
    expect(raised.map((alert) => alert.type).sort()).toEqual(['brute_force.account', 'brute_force.ip', 'refresh.reuse']);
    expect(await service.context.alerts.scan()).toEqual([]);

    const listed = await service.request('/v1/alerts', { token: admin.accessToken });
    const { alerts } = (await listed.json()) as { alerts: Alert[] };
    const byIp = alerts.find((alert) => alert.type === 'brute_force.ip');
    expect(byIp).toMatchObject({ subject: '198.51.100.23', count: 6 });

    const { type, ip, since, until } = byIp?.events ?? { type: 'login.failed', ip: '', since: 0, until: 0 };
    const behind = await service.request(`/v1/audit?type=${type}&ip=${ip}&since=${since}&until=${until}`, { token: admin.accessToken });
    expect(((await behind.json()) as { events: unknown[] }).events).toHaveLength(6);

    expect(service.logs.some((line) => line.includes('"msg":"alert.brute_force.ip"'))).toBe(true);
    expect(service.logs.some((line) => line.includes('"msg":"alert.refresh.reuse"'))).toBe(true);
    expect(await (await service.request('/metrics', { token: METRICS_TOKEN })).text()).toMatch(/portcullis_alerts_total\{type="refresh.reuse"\} 1/);
  });

  it('sees a burst hidden in a spread-out storm, whole, and nothing in the storm itself', async () => {
    async function failedSignIn(email: string, ip: string): Promise<void> {
      await service.request('/v1/auth/login', { method: 'POST', json: { email, password: 'a-wrong-guess' }, headers: { 'x-forwarded-for': ip } });
    }
    // Five accounts from three addresses, every pair once: each account 3 failures (threshold 4), each address 5 (6).
    for (const account of [0, 1, 2, 3, 4]) {
      for (const address of [1, 2, 3]) await failedSignIn(`spread-${account}@example.com`, `203.0.113.${address}`);
    }
    expect(await service.context.alerts.scan()).toEqual([]);

    await failedSignIn('spread-0@example.com', '203.0.113.9');
    const raised = await service.context.alerts.scan();
    expect(raised).toEqual([expect.objectContaining({ type: 'brute_force.account', subject: 'spread-0@example.com', count: 4 })]);
  });

  it('raises brute_force.mfa when one account gets repeated wrong second factors, and links to those events', async () => {
    const victim = await createTestAccount(service);
    const secret = await enrolTotpDirectly(service, victim);
    const right = totpCode(service, secret);
    const wrong = right === '000000' ? '111111' : '000000';
    // Someone with the victim's password tries codes from two addresses: the password step passes, the code does not.
    async function wrongCode(ip: string): Promise<void> {
      const headers = { 'x-forwarded-for': ip };
      const { mfaToken } = (await passwordStep(service, victim, headers)) as { mfaToken: string };
      const answer = await service.request('/v1/auth/login/mfa', { method: 'POST', json: { mfaToken, totp: wrong }, headers });
      expect(answer.status).toBe(401);
    }
    await wrongCode('192.0.2.1');
    await wrongCode('192.0.2.2');
    expect(await service.context.alerts.scan()).toEqual([]);

    await wrongCode('192.0.2.3');
    const raised = await service.context.alerts.scan();
    expect(raised).toEqual([expect.objectContaining({ type: 'brute_force.mfa', subject: victim.id, count: 3 })]);

    const { type, userId, since, until } = raised[0]?.events ?? { type: 'mfa.failed', since: 0, until: 0 };
    const behind = await service.request(`/v1/audit?type=${type}&userId=${userId ?? ''}&since=${since}&until=${until}`, { token: admin.accessToken });
    expect(((await behind.json()) as { events: Array<{ userId: string; ip: string }> }).events.map((event) => event.ip).sort()).toEqual([
      '192.0.2.1',
      '192.0.2.2',
      '192.0.2.3',
    ]);
  });

  it('ranks the top sources of failures and counts active sessions by role', async () => {
    const top = await service.request('/v1/audit/top?type=login.failed&by=email', { token: admin.accessToken });
    expect(((await top.json()) as { top: Array<{ key: string; count: number }> }).top[0]).toEqual({ key: 'target@example.com', count: 6 });
    const byIp = await service.request('/v1/audit/top?by=ip', { token: admin.accessToken });
    expect(((await byIp.json()) as { top: Array<{ key: string }> }).top[0]?.key).toBe('198.51.100.23');

    await service.login(ALICE, DEMO_PASSWORD);
    const stats = await service.request('/v1/stats/sessions', { token: admin.accessToken });
    expect(((await stats.json()) as { activeByRole: Record<string, number> }).activeByRole).toMatchObject({ ADMIN: 1, USER: 1 });
  });

  it('keeps alerts and statistics for admins only', async () => {
    const alice = await service.login(ALICE);
    for (const path of ['/v1/alerts', '/v1/audit/top', '/v1/stats/sessions']) {
      expect((await service.request(path, { token: alice.accessToken })).status).toBe(403);
    }
    expect((await service.request('/v1/audit/top?by=password', { token: admin.accessToken })).status).toBe(400);
  });
});
