import { setTimeout as delay } from 'node:timers/promises';
import { noticeThrottled } from '../accounts/security-notices.js';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { ClientContext } from '../sessions/session-store.js';
import type { UserRow } from '../users/user-store.js';
import { PasswordHashingBusy } from './password-hasher.js';

export type CredentialPurpose = 'login' | 'approval' | 'step_up' | 'account_change';

export function rateLimited(retryAfterSeconds: number): ApiError {
  return new ApiError('rate_limited', `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

function invalidCredentials(): ApiError {
  // OWASP ASVS 5.0 §6.3.8: one answer for unknown email, wrong password and disabled account.
  return new ApiError('invalid_credentials', 'The email or password is incorrect.');
}

function emailUnverified(): ApiError {
  return new ApiError('email_unverified', 'Confirm your email address first: follow the link in the mail we sent you, or ask for a new one.');
}

/**
 * Every password check of the service — sign-in, the approval popup, step-up — goes through here, so each gets the
 * same throttling (before hashing: a throttled caller gets 429 even with the right password), the same constant-time
 * answer for unknown accounts, the same rehash-on-login, and the same `login.*` audit events. The throttles also pick
 * the hashing lane, from counters alone, before the account is looked up: an unknown email waits where a real one
 * would. A refusal for load (503 busy) is not a failed attempt: nothing is counted and nothing is audited as failed.
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
    if (verdict.limit === 'account') noticeThrottled(context, email);
    throw rateLimited(verdict.retryAfterSeconds);
  }

  let user: UserRow | null;
  let passwordMatches: boolean;
  try {
    // A full lane is refused before any lookup or hash: the cheapest answer to a flood (OWASP ASVS 5.0 §6.3.1).
    if (!context.passwords.hasRoomFor(verdict.lane)) throw new PasswordHashingBusy();
    user = await context.users.findByEmail(email);
    passwordMatches = await context.passwords.verify(user?.passwordHash ?? null, attempt.password, { lane: verdict.lane });
  } catch (error) {
    // No verdict on the credentials: give back what admitLogin reserved ("busy" or "unavailable" is never a failure).
    await context.throttles.releaseLogin(email, ip);
    if (error instanceof PasswordHashingBusy) {
      metrics.loginAttempts.inc({ outcome: 'busy' });
      // Held, not answered at once: a client that asks again as soon as it is refused would otherwise keep the
      // event loop too busy for the hashing threads to finish anyone's check (PASSWORD_HASH_BUSY_HOLD).
      await delay(context.config.passwordHashing.busyHoldMs);
    }
    throw error;
  }
  if (user === null || !passwordMatches || user.disabled) {
    // The limits already counted it through admitLogin's reservation; the lanes learn of it only now that it is settled.
    await context.throttles.recordLoginFailure(email, ip);
    metrics.loginAttempts.inc({ outcome: 'failed' });
    const reason = user === null ? 'unknown_email' : !passwordMatches ? 'wrong_password' : 'account_disabled';
    await audit.record({ type: 'login.failed', userId: user?.id ?? null, ...attempt.client, reason, detail });
    throw invalidCredentials();
  }

  await context.throttles.recordLoginSuccess(email, ip);
  if (user.emailVerifiedAt === null) {
    // Told only after the password matched, so the answer reveals nothing to someone who does not know it (OWASP ASVS
    // 5.0 §6.3.8); an open sign-up is usable once its address is proven.
    metrics.loginAttempts.inc({ outcome: 'failed' });
    await audit.record({ type: 'login.failed', userId: user.id, ...attempt.client, reason: 'email_unverified', detail });
    throw emailUnverified();
  }
  if (user.passwordHash !== null && context.passwords.needsRehash(user.passwordHash)) {
    await context.users.update(user.id, { passwordHash: await context.passwords.hash(attempt.password) });
  }
  metrics.loginAttempts.inc({ outcome: 'succeeded' });
  return user;
}
