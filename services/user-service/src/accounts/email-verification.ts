import { and, eq, isNull } from 'drizzle-orm';
import type { ServiceContext } from '../context.js';
import type { DbTransaction } from '../db/database.js';
import { users } from '../db/schema.js';
import { invalidLink } from '../errors.js';
import { normalizeEmail, userStatus, type UserRow } from '../users/user-store.js';
import { accountByEmail } from './account-rows.js';

import { evenAnswer, EVEN_ANSWER_MS } from './even-answer.js';
import { admitFlow, type FlowCaller } from './flow-throttle.js';
import { wholeHours } from './link-lifetime.js';

/** Issues a verification link for the account and queues its mail, in the caller's transaction. */
export async function queueVerificationMail(context: ServiceContext, tx: DbTransaction, account: Pick<UserRow, 'id' | 'email'>): Promise<void> {
  const ttlSeconds = context.config.accounts.emailVerifyTtlSeconds;
  const { token } = await context.accountTokens.issue(tx, { userId: account.id, purpose: 'email_verification', ttlSeconds });
  await context.mail.outbox.enqueue(tx, context.mailTemplates.emailVerification(account.email, { token, validHours: wholeHours(ttlSeconds) }));
}

/**
 * `POST /v1/auth/email/verify`: spends the link (single use, EMAIL_VERIFY_TTL) and marks the address verified; the
 * account can sign in from now on. It does not sign anyone in: the person signs in with their password (Forgot
 * Password Cheat Sheet: no automatic login from a mailed link).
 */
export async function verifyEmail(context: ServiceContext, request: { token: string; client: FlowCaller }): Promise<void> {
  await admitFlow(context, 'email_verification', request.client);
  const now = new Date(context.clock.now());
  const verified = await context.database.db.transaction(async (tx) => {
    const spent = await context.accountTokens.consume(tx, request.token, 'email_verification');
    if (spent === null) return null;
    const [row] = await tx
      .update(users)
      .set({ emailVerifiedAt: now, updatedAt: now })
      .where(and(eq(users.id, spent.userId), isNull(users.emailVerifiedAt), eq(users.disabled, false)))
      .returning({ id: users.id });
    return row ?? null;
  });
  if (verified === null) throw invalidLink();
  await context.audit.record({ type: 'email.verified', userId: verified.id, ...request.client });
}

/**
 * `POST /v1/auth/email/verify/resend`: a new link (the older one stops working) for an open sign-up not yet verified;
 * every address gets the same answer in the same time, and the mail throttle keeps a mailbox from being flooded.
 */
export async function resendVerification(context: ServiceContext, request: { email: string; client: FlowCaller }): Promise<void> {
  await admitFlow(context, 'email_verification', request.client);
  const answer = evenAnswer(EVEN_ANSWER_MS.lookup);
  const mailVerdict = await context.throttles.admitAccountMail('email_verification', request.email);
  const outcome = await context.database.db.transaction(async (tx) => {
    const account = await accountByEmail(tx, request.email);
    if (account === null) return { account, reason: 'unknown_email' } as const;
    const state = userStatus(account);
    if (state !== 'unverified') return { account, reason: `account_${state}` } as const;
    if (!mailVerdict.allowed) return { account, reason: 'mail_throttled' } as const;
    await queueVerificationMail(context, tx, account);
    return { account, reason: 'mailed' } as const;
  });
  if (outcome.reason === 'mailed') context.mail.sender.kick();
  await context.audit.record({
    type: 'email.verification_requested',
    userId: outcome.account?.id ?? null,
    ...request.client,
    reason: outcome.reason,
    detail: { email: normalizeEmail(request.email) },
  });
  await answer.settle();
}
