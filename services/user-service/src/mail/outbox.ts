import { and, count, desc, eq, inArray, isNull, lte, min, or, sql } from 'drizzle-orm';
import type { MailDeliveryStatus } from '@portcullis/contracts';
import type { Clock } from '../clock.js';
import type { Db, DbTransaction } from '../db/database.js';
import { mailOutbox } from '../db/schema.js';
import type { MailBacklog } from '../metrics.js';

/** What a message is about: shown to admins and counted in metrics, while its content stays private. */
export type MailKind =
  | 'invitation'
  | 'email_verification'
  | 'signup_existing_account'
  | 'password_reset'
  | 'password_changed'
  | 'mfa_reset'
  | 'email_change'
  | 'email_change_notice'
  | 'email_changed'
  | 'new_device'
  | 'throttled'
  | 'recovery_code_used';

export interface OutgoingMail {
  readonly kind: MailKind;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A message claimed by one sender for one delivery attempt. */
export interface ClaimedMail extends OutgoingMail {
  readonly id: number;
  /** Attempts including this one. */
  readonly attempt: number;
}

/**
 * The transactional outbox: a message is a row written with the change that causes it, so a change never commits
 * without its mail nor a mail leaves for a change that rolled back. The sender claims due rows under a lease with
 * `FOR UPDATE SKIP LOCKED`, so instances draining one outbox never claim the same row at once.
 */
export class MailOutbox {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Adds a message; pass the transaction of the change that causes it. */
  async enqueue(executor: Db | DbTransaction, mail: OutgoingMail): Promise<void> {
    const now = new Date(this.clock.now());
    await executor.insert(mailOutbox).values({
      kind: mail.kind,
      recipient: mail.to,
      subject: mail.subject,
      textBody: mail.text,
      htmlBody: mail.html,
      status: 'pending',
      createdAt: now,
      nextAttemptAt: now,
    });
  }

  /**
   * Claims up to `limit` due messages for `leaseSeconds`: another instance may take one over only once its lease ran
   * out (its sender died mid-delivery), so a message is sent twice only if an instance dies between sending and saying so.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimedMail[]> {
    const now = new Date(this.clock.now());
    const leaseUntil = new Date(this.clock.now() + leaseSeconds * 1000);
    const due = this.db
      .select({ id: mailOutbox.id })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.status, 'pending'), lte(mailOutbox.nextAttemptAt, now), or(isNull(mailOutbox.leaseUntil), lte(mailOutbox.leaseUntil, now))))
      .orderBy(mailOutbox.id)
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await this.db
      .update(mailOutbox)
      .set({ leaseUntil, attempts: sql`${mailOutbox.attempts} + 1` })
      .where(inArray(mailOutbox.id, due))
      .returning();
    return rows.flatMap((row) =>
      row.textBody === null || row.htmlBody === null
        ? []
        : [{ id: row.id, kind: row.kind as MailKind, to: row.recipient, subject: row.subject, text: row.textBody, html: row.htmlBody, attempt: row.attempts }],
    );
  }

  /** Delivered: the body (and the links in it) is wiped, the record of the delivery stays. */
  async markSent(id: number): Promise<void> {
    await this.db
      .update(mailOutbox)
      .set({ status: 'sent', sentAt: new Date(this.clock.now()), leaseUntil: null, textBody: null, htmlBody: null, lastError: null })
      .where(eq(mailOutbox.id, id));
  }

  /** Not delivered this time: retried at `retryAt`, or given up (`retryAt` undefined) with its body wiped. */
  async markFailed(id: number, error: string, retryAt: Date | undefined): Promise<void> {
    const lastError = error.slice(0, 500);
    await this.db
      .update(mailOutbox)
      .set(
        retryAt === undefined
          ? { status: 'failed', leaseUntil: null, textBody: null, htmlBody: null, lastError }
          : { nextAttemptAt: retryAt, leaseUntil: null, lastError },
      )
      .where(eq(mailOutbox.id, id));
  }

  /** What waits to be delivered, for the metrics. */
  async backlog(): Promise<MailBacklog> {
    const [row] = await this.db
      .select({ pending: count(), oldest: min(mailOutbox.createdAt) })
      .from(mailOutbox)
      .where(eq(mailOutbox.status, 'pending'));
    return { pending: row?.pending ?? 0, oldestPendingSeconds: this.#ageSeconds(row?.oldest ?? null) ?? 0 };
  }

  /** Counts by status, the oldest pending message's age and the latest `limit` messages, for admins; never a body. */
  async deliveryStatus(limit: number): Promise<MailDeliveryStatus> {
    const [byStatus, [pending], recent] = await Promise.all([
      this.db.select({ status: mailOutbox.status, count: count() }).from(mailOutbox).groupBy(mailOutbox.status),
      this.db
        .select({ oldest: min(mailOutbox.createdAt) })
        .from(mailOutbox)
        .where(eq(mailOutbox.status, 'pending')),
      this.db
        .select({
          id: mailOutbox.id,
          kind: mailOutbox.kind,
          recipient: mailOutbox.recipient,
          status: mailOutbox.status,
          attempts: mailOutbox.attempts,
          createdAt: mailOutbox.createdAt,
          sentAt: mailOutbox.sentAt,
          lastError: mailOutbox.lastError,
        })
        .from(mailOutbox)
        .orderBy(desc(mailOutbox.id))
        .limit(limit),
    ]);
    const counts = { pending: 0, sent: 0, failed: 0 };
    for (const row of byStatus) counts[row.status] = row.count;
    return {
      counts,
      oldestPendingSeconds: this.#ageSeconds(pending?.oldest ?? null),
      recent: recent.map((row) => ({ ...row, createdAt: row.createdAt.getTime(), sentAt: row.sentAt?.getTime() ?? null })),
    };
  }

  #ageSeconds(since: Date | null): number | null {
    return since === null ? null : Math.max(0, Math.floor((this.clock.now() - since.getTime()) / 1000));
  }
}
