import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { MfaReset } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { passkeys, pendingSignIns, recoveryCodes, totpFactors, users, webauthnChallenges } from '../db/schema.js';
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

/**
 * An admin's answer to a user who lost every second factor (or whose factors may be compromised): the TOTP app,
 * passkeys and recovery codes are removed, with any sign-in or passkey ceremony in flight, in one transaction with the
 * notice to the user; then every session ends. The user signs in with the password again and, when a factor is
 * required of them, must enrol a new one before any session (OWASP ASVS 5.0 §6.4.3, a reset is notified).
 */
export async function resetSecondFactors(context: Administration, user: UserRow): Promise<MfaReset> {
  const removed = await context.database.db.transaction(async (tx) => {
    const totp = await tx.delete(totpFactors).where(eq(totpFactors.userId, user.id)).returning({ confirmedAt: totpFactors.confirmedAt });
    const keys = await tx.delete(passkeys).where(eq(passkeys.userId, user.id)).returning({ id: passkeys.id });
    const codes = await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id)).returning({ usedAt: recoveryCodes.usedAt });
    // A second step in flight would otherwise finish with a factor that is gone, or a ceremony outlive its passkey.
    await tx.delete(pendingSignIns).where(eq(pendingSignIns.userId, user.id));
    await tx.delete(webauthnChallenges).where(eq(webauthnChallenges.userId, user.id));
    await context.mail.outbox.enqueue(tx, context.mailTemplates.mfaReset(user.email));
    return {
      totp: totp.some((factor) => factor.confirmedAt !== null),
      passkeys: keys.length,
      recoveryCodes: codes.filter((code) => code.usedAt === null).length,
    };
  });
  context.mail.sender.kick();
  // The change is audited once by the caller, with the count.
  const revoked = await context.revocation.revokeUserSessions(user.id, { reason: 'revoked_by_admin', event: () => null });
  return { removed, revokedSessions: revoked.length };
}

/** An admin requires a second factor of one user (or stops requiring it); their role may require one all the same. */
export async function setMfaRequired(context: Pick<ServiceContext, 'clock' | 'database'>, userId: string, required: boolean): Promise<UserRow | null> {
  const [row] = await context.database.db
    .update(users)
    .set({ mfaRequired: required, updatedAt: new Date(context.clock.now()) })
    .where(eq(users.id, userId))
    .returning();
  return row ?? null;
}
