import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { users } from '../db/schema.js';
import { SmtpInbox } from '../mail/smtp-inbox.js';
import type { TestBackend } from './databases.js';
import { startTestInstance, type TestInstance } from './harness.js';
import type { ManualClock } from './manual-clock.js';

/** Where the links in the test instances' mail point: no request's Host header may ever replace it. */
export const PUBLIC_APP_URL = 'https://app.portcullis.test';

/**
 * A client address of its own for every request that needs one: a random /64 from the IPv6 documentation range, so
 * per-address counters in a shared Redis never collide between requests, tests or reruns.
 */
export function freshAddress(): string {
  return `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;
}

/** An address nobody else in any run uses. */
export function freshEmail(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}@example.test`;
}

export interface AccountFlowService {
  readonly instance: TestInstance;
  /** The real SMTP server the instance delivers to. */
  readonly inbox: SmtpInbox;
  /** A JSON POST as the web app makes it for a browser, from `from` (a fresh address unless given). */
  post(path: string, json: unknown, options?: { from?: string; headers?: Record<string, string>; token?: string }): Promise<Response>;
  /** Puts an account in the state a test needs, as the database would hold it. */
  setAccount(email: string, change: Partial<Pick<typeof users.$inferInsert, 'disabled' | 'emailVerifiedAt' | 'passwordHash' | 'invitedAt'>>): Promise<void>;
  close(): Promise<void>;
}

/**
 * A user-service that sends its mail to a real SMTP inbox, behind a trusted proxy so each request can come from an
 * address of its own (X-Forwarded-For), with links based on PUBLIC_APP_URL.
 */
export async function startAccountFlowService(
  backend: TestBackend,
  env: Record<string, string> = {},
  options: { clock?: ManualClock } = {},
): Promise<AccountFlowService> {
  const inbox = await SmtpInbox.start();
  const instance = await startTestInstance(backend, { SMTP_URL: inbox.url, PUBLIC_APP_URL, TRUST_PROXY: '127.0.0.1,::1', ...env }, options);
  return {
    instance,
    inbox,
    post: (path, json, { from, headers, token } = {}) =>
      instance.request(path, { method: 'POST', json, ...(token === undefined ? {} : { token }), headers: { 'x-forwarded-for': from ?? freshAddress(), ...headers } }),
    async setAccount(email, change) {
      await instance.context.database.db.update(users).set(change).where(eq(users.email, email));
    },
    async close() {
      await instance.close();
      await inbox.close();
    },
  };
}
