import { and, eq } from 'drizzle-orm';
import type { ServiceContext } from '../context.js';
import { users } from '../db/schema.js';
import { invalidLink } from '../errors.js';
import { requireStrongPassword } from '../passwords/password-policy.js';
import { normalizeEmail, userStatus } from '../users/user-store.js';
import { accountByEmail, accountById } from './account-rows.js';

import { evenAnswer, EVEN_ANSWER_MS } from './even-answer.js';
import { admitFlow, type FlowCaller } from './flow-throttle.js';
import { wholeMinutes } from './link-lifetime.js';

/**
 * `POST /v1/auth/password/forgot`: mails a reset link to an account that has a password and is not disabled, and
 * answers every address alike — same answer, same status, the same work and the same time (OWASP ASVS 5.0 §6.3.8, the
 * Forgot Password Cheat Sheet). An unverified sign-up gets the link too: following it proves the mailbox, which is what
 * verification proves, so the reset also verifies the address; the person who signed up with a typo in the password is
 * not stuck. An invitee gets none (the invitation link is theirs to use), nor does a disabled account.
 */
export async function requestPasswordReset(context: ServiceContext, request: { email: string; client: FlowCaller }): Promise<void> {
  await admitFlow(context, 'password_forgot', request.client);
  const answer = evenAnswer(EVEN_ANSWER_MS.lookup);
  // Counted for every address, known or not, so the mail throttle's silence tells nothing either.
  const mailVerdict = await context.throttles.admitAccountMail('password_forgot', request.email);
  const outcome = await context.database.db.transaction(async (tx) => {
    const account = await accountByEmail(tx, request.email);
    if (account === null) return { account, reason: 'unknown_email' } as const;
    const state = userStatus(account);
    if (state === 'disabled' || state === 'invited') return { account, reason: `account_${state}` } as const;
    if (!mailVerdict.allowed) return { account, reason: 'mail_throttled' } as const;
    const ttlSeconds = context.config.accounts.passwordResetTtlSeconds;
    const { token } = await context.accountTokens.issue(tx, { userId: account.id, purpose: 'password_reset', ttlSeconds });
    await context.mail.outbox.enqueue(tx, context.mailTemplates.passwordReset(account.email, { token, validMinutes: wholeMinutes(ttlSeconds) }));
    return { account, reason: 'mailed' } as const;
  });
  if (outcome.reason === 'mailed') context.mail.sender.kick();
  await context.audit.record({
    type: 'password.reset_requested',
    userId: outcome.account?.id ?? null,
    ...request.client,
    reason: outcome.reason,
    detail: { email: normalizeEmail(request.email) },
  });
  await answer.settle();
}

/**
 * `POST /v1/auth/password/reset`: spends the link and sets the new password, then ends every session of the account —
 * its refresh families and, through them, the OpenID Provider's grants (OWASP ASVS 5.0 §6.3.7, §7.4.3) — and tells the
 * owner by mail. The link is looked at first and spent only once the password passes the policy, so a refused password
 * leaves it working; spending it, setting the hash and voiding the other reset links are one transaction.
 */
export async function resetPassword(context: ServiceContext, request: { token: string; password: string; client: FlowCaller }): Promise<void> {
  await admitFlow(context, 'password_reset', request.client);
  const { accountTokens, database } = context;
  const link = await accountTokens.peek(database.db, request.token, 'password_reset');
  const owner = link === null ? null : await accountById(database.db, link.userId);
  if (owner === null) throw invalidLink();
  await requireStrongPassword(context.passwordPolicy, request.password, { email: owner.email });
  const passwordHash = await context.passwords.hash(request.password);

  const now = new Date(context.clock.now());
  const notify = context.config.accounts.notifications.has('password_changed');
  const account = await database.db.transaction(async (tx) => {
    const spent = await accountTokens.consume(tx, request.token, 'password_reset');
    if (spent === null) return null;
    const [updated] = await tx
      .update(users)
      // Following the link proved the mailbox: an address not yet verified is verified now (OWASP ASVS 5.0 §6.4.1).
      .set({ passwordHash, emailVerifiedAt: owner.emailVerifiedAt ?? now, updatedAt: now })
      .where(and(eq(users.id, spent.userId), eq(users.disabled, false)))
      .returning();
    if (updated === undefined) return null;
    await accountTokens.voidFor(tx, updated.id, ['password_reset']);
    if (notify) await context.mail.outbox.enqueue(tx, context.mailTemplates.passwordChanged(updated.email));
    return updated;
  });
  if (account === null) throw invalidLink();
  if (notify) context.mail.sender.kick();

  // Through the one revocation path (sessions/revocation.ts): each session ends in the store and in this instance's
  // validity cache, and the provider's grants die with them (their tokens are only issued for an active session).
  const revoked = await context.revocation.revokeUserSessions(account.id, { reason: 'password_reset', event: () => null });
  await context.audit.record({ type: 'password.reset', userId: account.id, ...request.client, detail: { revokedSessions: revoked.length } });
}
