import { randomBytes } from 'node:crypto';
import { and, eq, notExists } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { ServiceContext } from '../context.js';
import type { DbTransaction } from '../db/database.js';
import { users } from '../db/schema.js';
import { normalizeEmail, type UserRow } from '../users/user-store.js';
import { queueNotice } from './security-notices.js';

type ChangeContext = Pick<
  ServiceContext,
  'config' | 'clock' | 'database' | 'mail' | 'mailTemplates' | 'accountTokens' | 'throttles' | 'users' | 'passwords' | 'audit' | 'logger'
>;

/** What confirming or cancelling a change came to. */
export type EmailChangeOutcome =
  | { readonly kind: 'invalid_link' }
  /** The address belongs to another account by now (it signed up or was invited meanwhile). */
  | { readonly kind: 'address_taken' }
  | { readonly kind: 'done'; readonly userId: string; readonly from: string; readonly to: string };

function hoursOf(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 3600));
}

function minutesOf(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/** PostgreSQL's unique_violation: a concurrent writer took the address between our check and our write. */
function isUniqueViolation(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = current.cause;
  }
  return false;
}

/** Moves an account to `email` unless another account holds it; false when one does. */
async function moveAddress(tx: DbTransaction, userId: string, email: string, at: Date): Promise<boolean> {
  const holder = alias(users, 'holder');
  const [moved] = await tx
    .update(users)
    .set({ email, emailVerifiedAt: at, updatedAt: at })
    .where(and(eq(users.id, userId), notExists(tx.select({ id: holder.id }).from(holder).where(eq(holder.email, email)))))
    .returning({ id: users.id });
  return moved !== undefined;
}

async function lockedAccount(tx: DbTransaction, userId: string): Promise<UserRow | null> {
  const [row] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
  return row ?? null;
}

/** Rolls a transaction back with the outcome to answer, when a half-done change must leave nothing behind. */
class AbandonedChange extends Error {
  override readonly name = 'AbandonedChange';
  constructor(readonly outcome: EmailChangeOutcome) {
    super(outcome.kind);
  }
}

/** Runs a change; an abandoned one, or a unique violation from a concurrent writer, is rolled back and answered. */
async function guarded(work: () => Promise<EmailChangeOutcome>): Promise<EmailChangeOutcome> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AbandonedChange) return error.outcome;
    if (isUniqueViolation(error)) return { kind: 'address_taken' };
    throw error;
  }
}

/**
 * A signed-in user asks to move their account to `newEmail` (their password already checked). In one transaction: a
 * confirmation link to the new address and, to the old one, a notice whose link cancels the change and forces a password
 * reset. The cancel token keeps the old address (its `new_email` is the address to go back to). An address that already
 * has an account gets no mail and the answer does not change, so the call reveals nothing about other accounts (OWASP
 * ASVS 5.0 §6.3.8); nor does a new address whose mail limit is spent.
 */
export async function requestEmailChange(context: ChangeContext, account: UserRow, requested: string): Promise<void> {
  const newEmail = normalizeEmail(requested);
  const ttlSeconds = context.config.accounts.emailVerifyTtlSeconds;
  const taken = (await context.users.findByEmail(newEmail)) !== null;
  const mailNewAddress = !taken && (await context.throttles.admitAccountMail('email_change', newEmail)).allowed;
  await context.database.db.transaction(async (tx) => {
    const cancel = await context.accountTokens.issue(tx, { userId: account.id, purpose: 'email_change_cancel', ttlSeconds, newEmail: account.email });
    await context.mail.outbox.enqueue(tx, context.mailTemplates.emailChangeNotice(account.email, { newEmail, token: cancel.token, validHours: hoursOf(ttlSeconds) }));
    if (!mailNewAddress) {
      // The newest request is the one that counts: an earlier link to another address stops working.
      await context.accountTokens.voidFor(tx, account.id, ['email_change']);
      return;
    }
    const confirm = await context.accountTokens.issue(tx, { userId: account.id, purpose: 'email_change', ttlSeconds, newEmail });
    await context.mail.outbox.enqueue(tx, context.mailTemplates.emailChange(newEmail, { token: confirm.token, validHours: hoursOf(ttlSeconds) }));
  });
  context.mail.sender.kick();
}

/**
 * The link from the new address: the account moves there, the address counts as verified (the link proved the mailbox),
 * links sent to the old address (reset, verification) stop working, and the old address is told.
 */
export async function confirmEmailChange(context: ChangeContext, token: string): Promise<EmailChangeOutcome> {
  const outcome = await guarded(() =>
    context.database.db.transaction(async (tx): Promise<EmailChangeOutcome> => {
      const spent = await context.accountTokens.consume(tx, token, 'email_change');
      const to = spent?.newEmail ?? null;
      if (spent === null || to === null) return { kind: 'invalid_link' };
      const account = await lockedAccount(tx, spent.userId);
      if (account === null || account.disabled) return { kind: 'invalid_link' };
      const at = new Date(context.clock.now());
      if (!(await moveAddress(tx, account.id, to, at))) return { kind: 'address_taken' };
      await context.accountTokens.voidFor(tx, account.id, ['password_reset', 'email_verification']);
      await queueNotice(context, tx, 'email_changed', () => context.mailTemplates.emailChanged(account.email, { newEmail: to }));
      return { kind: 'done', userId: account.id, from: account.email, to };
    }),
  );
  if (outcome.kind === 'done') context.mail.sender.kick();
  return outcome;
}

/**
 * The link from the old address, before or after the change was confirmed: the address goes back, the pending change is
 * void, and the password stops working — its hash is replaced by the hash of a random secret nobody keeps — so whoever
 * asked for the change (with the password) is locked out; a reset link goes to the old address. The caller then ends
 * every session. OWASP ASVS 5.0 §6.3.7: the owner is told of an email change and can undo it.
 */
export async function cancelEmailChange(context: ChangeContext, token: string): Promise<EmailChangeOutcome> {
  const unusable = await context.passwords.hash(randomBytes(32).toString('base64url'));
  const resetTtl = context.config.accounts.passwordResetTtlSeconds;
  const outcome = await guarded(() =>
    context.database.db.transaction(async (tx): Promise<EmailChangeOutcome> => {
      const spent = await context.accountTokens.consume(tx, token, 'email_change_cancel');
      const restore = spent?.newEmail ?? null;
      if (spent === null || restore === null) return { kind: 'invalid_link' };
      const account = await lockedAccount(tx, spent.userId);
      if (account === null) return { kind: 'invalid_link' };
      const at = new Date(context.clock.now());
      // Nothing half-done: if the old address went to another account meanwhile, the cancel link stays unspent.
      if (account.email !== restore && !(await moveAddress(tx, account.id, restore, at))) throw new AbandonedChange({ kind: 'address_taken' });
      await tx.update(users).set({ passwordHash: unusable, updatedAt: at }).where(eq(users.id, account.id));
      await context.accountTokens.voidFor(tx, account.id, ['email_change', 'email_verification']);
      const reset = await context.accountTokens.issue(tx, { userId: account.id, purpose: 'password_reset', ttlSeconds: resetTtl });
      await context.mail.outbox.enqueue(tx, context.mailTemplates.passwordReset(restore, { token: reset.token, validMinutes: minutesOf(resetTtl) }));
      return { kind: 'done', userId: account.id, from: account.email, to: restore };
    }),
  );
  if (outcome.kind === 'done') context.mail.sender.kick();
  return outcome;
}
