import type { ServiceContext } from '../context.js';
import { users } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { requireStrongPassword } from '../passwords/password-policy.js';
import type { ClientContext } from '../sessions/session-store.js';
import { normalizeEmail } from '../users/user-store.js';
import { accountByEmail } from './account-rows.js';
import { queueVerificationMail } from './email-verification.js';
import { evenAnswer, EVEN_ANSWER_MS } from './even-answer.js';
import { admitFlow } from './flow-throttle.js';

type Caller = ClientContext & { readonly requestId?: string };

function signupClosed(): ApiError {
  return new ApiError('signup_closed', 'Sign-up is closed here. Ask an administrator for an invitation.');
}

/**
 * `POST /v1/auth/signup` while SIGNUP=open: a USER account (the caller never chooses a role, OWASP ASVS 5.0 §8.2.1)
 * that can sign in once the address is verified by the link mailed to it. An address that already has an account gets
 * a mail saying someone tried, instead of an error: the caller sees `202 {}` either way, in the same time — the
 * password is hashed on both paths (OWASP ASVS 5.0 §6.3.8).
 */
export async function signUp(context: ServiceContext, request: { email: string; password: string; name: string; client: Caller }): Promise<void> {
  if (context.config.accounts.signup !== 'open') throw signupClosed();
  await admitFlow(context, 'signup', request.client);
  const email = normalizeEmail(request.email);
  await requireStrongPassword(context.passwordPolicy, request.password, { email });
  const answer = evenAnswer(EVEN_ANSWER_MS.signup);
  const passwordHash = await context.passwords.hash(request.password);
  const mailVerdict = await context.throttles.admitAccountMail('signup', email);
  const now = new Date(context.clock.now());

  const outcome = await context.database.db.transaction(async (tx) => {
    const existing = await accountByEmail(tx, email);
    if (existing !== null) {
      const mailed = mailVerdict.allowed && !existing.disabled;
      if (mailed) await context.mail.outbox.enqueue(tx, context.mailTemplates.signupExistingAccount(existing.email));
      return { userId: existing.id, reason: mailed ? 'address_taken' : 'address_taken_not_mailed', mailed } as const;
    }
    const [created] = await tx
      .insert(users)
      .values({ email, name: request.name, role: 'USER', passwordHash, emailVerifiedAt: null, createdAt: now, updatedAt: now })
      // Two sign-ups racing for one address: the second finds it taken and, like any taken address, learns nothing.
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (created === undefined) return { userId: null, reason: 'address_taken_not_mailed', mailed: false } as const;
    // A new address is always mailed its link: the mail throttle only holds back mail about existing accounts.
    await queueVerificationMail(context, tx, created);
    return { userId: created.id, reason: 'created', mailed: true } as const;
  });
  if (outcome.mailed) context.mail.sender.kick();
  await context.audit.record({ type: 'account.signed_up', userId: outcome.userId, ...request.client, reason: outcome.reason, detail: { email } });
  await answer.settle();
}
