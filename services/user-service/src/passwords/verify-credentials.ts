import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { ClientContext } from '../sessions/session-store.js';
import type { UserRow } from '../users/user-store.js';

export type CredentialPurpose = 'login' | 'approval' | 'step_up';

export function rateLimited(retryAfterSeconds: number): ApiError {
  return new ApiError('rate_limited', `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

function invalidCredentials(): ApiError {
  // OWASP ASVS 5.0 §6.3.8: one answer for unknown email, wrong password and disabled account.
  return new ApiError('invalid_credentials', 'The email or password is incorrect.');
}

/**
 * Every password check of the service — sign-in, the approval popup, step-up — goes through here, so each gets the
 * same throttling (before hashing: a throttled caller gets 429 even with the right password), the same constant-time
 * answer for unknown accounts, the same rehash-on-login, and the same `login.*` audit events.
 */
export async function verifyCredentials(
  context: ServiceContext,
  attempt: { email: string; password: string; client: ClientContext; purpose: CredentialPurpose },
): Promise<UserRow> {
  const { audit, metrics } = context;
  const email = attempt.email.trim().toLowerCase();
  const ip = attempt.client.ip ?? 'unknown';
  const detail = { email, purpose: attempt.purpose };

  const verdict = await context.throttles.admitLogin(email, ip);
  if (!verdict.allowed) {
    metrics.loginAttempts.inc({ outcome: 'throttled' });
    await audit.record({ type: 'login.throttled', ...attempt.client, reason: 'too_many_attempts', detail });
    throw rateLimited(verdict.retryAfterSeconds);
  }

  const user = await context.users.findByEmail(email);
  const passwordMatches = await context.passwords.verify(user?.passwordHash ?? null, attempt.password);
  if (user === null || !passwordMatches || user.disabled) {
    // The failure was already counted by admitLogin's reservation.
    metrics.loginAttempts.inc({ outcome: 'failed' });
    const reason = user === null ? 'unknown_email' : !passwordMatches ? 'wrong_password' : 'account_disabled';
    await audit.record({ type: 'login.failed', userId: user?.id ?? null, ...attempt.client, reason, detail });
    throw invalidCredentials();
  }

  await context.throttles.recordLoginSuccess(email, ip);
  if (context.passwords.needsRehash(user.passwordHash)) {
    await context.users.update(user.id, { passwordHash: await context.passwords.hash(attempt.password) });
  }
  metrics.loginAttempts.inc({ outcome: 'succeeded' });
  return user;
}
