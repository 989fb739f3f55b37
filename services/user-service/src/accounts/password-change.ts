import { eq } from 'drizzle-orm';
import type { ServiceContext } from '../context.js';
import { users } from '../db/schema.js';
import type { UserRow } from '../users/user-store.js';
import { queueNotice } from './security-notices.js';

type ChangeContext = Pick<ServiceContext, 'config' | 'clock' | 'database' | 'mail' | 'mailTemplates' | 'accountTokens' | 'passwords' | 'revocation'>;

/**
 * Sets a signed-in user's new password (already checked against the policy, the current one already verified): pending
 * reset links stop working and the owner is told in the same transaction; then every other session of the user ends,
 * OIDC grants included since they live on our sessions, while the caller's own stays (OWASP ASVS 5.0 §7.4.3).
 * Returns how many sessions ended.
 */
export async function changePassword(context: ChangeContext, change: { account: UserRow; keepSession: string; newPassword: string }): Promise<number> {
  const { account, keepSession } = change;
  const passwordHash = await context.passwords.hash(change.newPassword);
  const notified = await context.database.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash, updatedAt: new Date(context.clock.now()) })
      .where(eq(users.id, account.id));
    await context.accountTokens.voidFor(tx, account.id, ['password_reset']);
    return queueNotice(context, tx, 'password_changed', () => context.mailTemplates.passwordChanged(account.email));
  });
  if (notified) context.mail.sender.kick();
  const ended = await context.revocation.revokeUserSessions(account.id, { reason: 'password_changed', except: keepSession, event: () => null });
  return ended.length;
}
