import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { ServiceContext } from '../context.js';
import { users } from '../db/schema.js';
import type { UserRow } from './user-store.js';

type Administration = Pick<ServiceContext, 'config' | 'clock' | 'database' | 'passwords' | 'accountTokens' | 'mail' | 'mailTemplates' | 'revocation'>;

/**
 * An admin's answer to a suspected compromise: the old password stops working at once (it is replaced by the hash of a
 * secret nobody holds), a reset link goes to the account's address, and every session ends, OIDC grants included
 * (OWASP ASVS 5.0 §7.4.3). Until the user follows the link, nobody can sign in to the account.
 */
export async function forcePasswordReset(context: Administration, user: UserRow): Promise<{ revokedSessions: number }> {
  const { passwordResetTtlSeconds } = context.config.accounts;
  const unusable = await context.passwords.hash(randomBytes(32).toString('base64url'));
  await context.database.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash: unusable, updatedAt: new Date(context.clock.now()) })
      .where(eq(users.id, user.id));
    const { token } = await context.accountTokens.issue(tx, { userId: user.id, purpose: 'password_reset', ttlSeconds: passwordResetTtlSeconds });
    await context.mail.outbox.enqueue(tx, context.mailTemplates.passwordReset(user.email, { token, validMinutes: Math.ceil(passwordResetTtlSeconds / 60) }));
  });
  context.mail.sender.kick();
  // The change is audited once by the caller, with the count.
  const revoked = await context.revocation.revokeUserSessions(user.id, { reason: 'revoked_by_admin', event: () => null });
  return { revokedSessions: revoked.length };
}
