import type { SecurityNotification } from '../config.js';
import type { ServiceContext } from '../context.js';
import type { DbTransaction } from '../db/database.js';
import type { OutgoingMail } from '../mail/outbox.js';
import type { ClientContext } from '../sessions/session-store.js';
import type { UserRow } from '../users/user-store.js';
import { deviceHash, rememberDevice } from './known-devices.js';

type NoticeContext = Pick<ServiceContext, 'config' | 'clock' | 'database' | 'mail' | 'mailTemplates' | 'audit' | 'users' | 'throttles' | 'logger'>;

/**
 * Whether the operator left a notice on (SECURITY_NOTIFICATIONS). Only the operator decides: a switch in the account
 * would let whoever took the account over silence the very mail that would tell its owner (OWASP ASVS 5.0 §6.3.7).
 */
function noticeEnabled(context: Pick<ServiceContext, 'config'>, notice: SecurityNotification): boolean {
  return context.config.accounts.notifications.has(notice);
}

/** Queues a notice in the transaction of the change it reports, when the operator left it on. */
export async function queueNotice(
  context: Pick<ServiceContext, 'config' | 'mail'>,
  tx: DbTransaction,
  notice: SecurityNotification,
  mail: () => OutgoingMail,
): Promise<boolean> {
  if (!noticeEnabled(context, notice)) return false;
  await context.mail.outbox.enqueue(tx, mail());
  return true;
}

/**
 * After a password sign-in (the API's or the provider's page): remembers the device, and tells the owner when it is one
 * the account has not used before. An account's very first device is only recorded: its owner has just created it.
 */
export async function noticeSignIn(context: NoticeContext, signIn: { user: UserRow; sid: string; client: ClientContext & { requestId?: string } }): Promise<void> {
  const { user, sid, client } = signIn;
  const at = new Date(context.clock.now());
  const outcome = await context.database.db.transaction(async (tx) => {
    const familiarity = await rememberDevice(tx, { userId: user.id, device: deviceHash(client), at });
    const queued =
      familiarity === 'new' &&
      (await queueNotice(context, tx, 'new_device', () =>
        context.mailTemplates.newDevice(user.email, { userAgent: client.userAgent ?? 'unknown', address: client.ip ?? 'unknown', at }),
      ));
    return { familiarity, queued };
  });
  if (outcome.queued) context.mail.sender.kick();
  if (outcome.familiarity === 'new') await context.audit.record({ type: 'login.new_device', userId: user.id, sid, ...client, detail: { notified: outcome.queued } });
}

/**
 * A recovery code was spent: its owner is told in the transaction that spent it, whatever SECURITY_NOTIFICATIONS says,
 * since a code used by someone else means both the password and the codes are lost (OWASP ASVS 5.0 §6.3.7).
 */
export async function queueRecoveryCodeNotice(
  context: Pick<ServiceContext, 'clock' | 'mail' | 'mailTemplates'>,
  tx: DbTransaction,
  notice: { email: string; codesLeft: number },
): Promise<void> {
  await context.mail.outbox.enqueue(tx, context.mailTemplates.recoveryCodeUsed(notice.email, { at: new Date(context.clock.now()), codesLeft: notice.codesLeft }));
}

/**
 * The account's own failure limits refused a sign-in: its owner is told, with a link to choose a new password, once per
 * LOGIN_FAILURE_WINDOW however many attempts are refused. It runs beside the answer, not before it, so a throttled answer
 * takes as long for an address with an account as for one without (OWASP ASVS 5.0 §6.3.8).
 */
export function noticeThrottled(context: NoticeContext, email: string): void {
  if (!noticeEnabled(context, 'throttled')) return;
  void tellThrottledOwner(context, email).catch((error: unknown) => {
    context.logger.warn({ err: error instanceof Error ? { message: error.message } : String(error) }, 'the throttled-account notice could not be queued');
  });
}

async function tellThrottledOwner(context: NoticeContext, email: string): Promise<void> {
  if (!(await context.throttles.admitThrottleNotice(email))) return;
  const user = await context.users.findByEmail(email);
  if (user === null || user.disabled || user.passwordHash === null) return;
  await context.mail.outbox.enqueue(context.database.db, context.mailTemplates.throttled(user.email));
  context.mail.sender.kick();
}
