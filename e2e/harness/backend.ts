import type { AuditEvent, AuditEventType } from '@portcullis/contracts';
import type { BrowserContext } from '@playwright/test';
import { decode } from 'next-auth/jwt';
import { DEMO_USERS, harness, SESSION_COOKIE } from './env.js';

/** The decrypted session cookie, as the app's proxy sees it. Tests use it to play the thief. */
export interface DecodedSession {
  sub: string;
  sid: string;
  role: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshAt: number;
  refreshToken: string;
}

export async function sessionOf(context: BrowserContext, secret: string = harness.secret): Promise<DecodedSession> {
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error('no session cookie');
  const payload = await decode({ token: cookie.value, secret });
  if (!payload) throw new Error('session cookie does not decrypt');
  return payload as unknown as DecodedSession;
}

/** Direct calls to the user-service, outside the browser. */
export async function api(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${harness.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

let adminToken: { token: string; expiresAt: number } | undefined;

async function admin(): Promise<string> {
  if (adminToken && adminToken.expiresAt - 1_500 > Date.now()) return adminToken.token;
  const response = await api('/v1/auth/login', { method: 'POST', body: { email: DEMO_USERS.adam.email, password: harness.demoPassword } });
  if (!response.ok) throw new Error(`admin login failed: ${response.status}`);
  const body = (await response.json()) as { accessToken: string; accessTokenExpiresAt: number };
  adminToken = { token: body.accessToken, expiresAt: body.accessTokenExpiresAt };
  return adminToken.token;
}

/** Audit events of one type since `since`, newest first, read with an admin token. */
export async function auditEvents(type: AuditEventType, since: number): Promise<AuditEvent[]> {
  const response = await api(`/v1/audit?type=${type}&since=${since}&limit=500`, { token: await admin() });
  if (!response.ok) throw new Error(`audit query failed: ${response.status}`);
  return ((await response.json()) as { events: AuditEvent[] }).events;
}

export async function userByEmail(email: string): Promise<{ id: string; role: string; disabled: boolean }> {
  const response = await api(`/v1/users?q=${encodeURIComponent(email)}&limit=100`, { token: await admin() });
  const { users } = (await response.json()) as { users: Array<{ id: string; email: string; role: string; disabled: boolean }> };
  const user = users.find((u) => u.email === email);
  if (!user) throw new Error(`no user ${email}`);
  return user;
}
