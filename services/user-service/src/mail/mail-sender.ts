import type { Clock } from '../clock.js';
import { isDatabaseUnavailable } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { ClaimedMail, MailOutbox } from './outbox.js';

/** Hands one message to a mail server; throws when the server refused it or could not be reached. */
export interface MailTransport {
  send(mail: ClaimedMail): Promise<void>;
  close(): void;
}

export interface MailSenderOptions {
  /** Delivery attempts before a message is given up as failed. */
  readonly maxAttempts: number;
  /** Delay before the first retry; each further retry waits twice as long, up to `maxBackoffSeconds`. */
  readonly firstBackoffSeconds: number;
  readonly maxBackoffSeconds: number;
  /** How long a claimed message is reserved for this sender; longer than any one SMTP exchange may take. */
  readonly leaseSeconds: number;
  readonly batchSize: number;
}

export const DEFAULT_MAIL_SENDER_OPTIONS: MailSenderOptions = Object.freeze({
  maxAttempts: 8,
  firstBackoffSeconds: 5,
  maxBackoffSeconds: 3600,
  leaseSeconds: 120,
  batchSize: 20,
});

export interface DeliveryOutcome {
  readonly sent: number;
  readonly failed: number;
  readonly retrying: number;
}

/** Reports of each delivery, for the audit trail and metrics; the pass waits for each report before the next message. */
export interface DeliveryListener {
  sent(mail: ClaimedMail): void | Promise<void>;
  failed(mail: ClaimedMail, error: string, final: boolean): void | Promise<void>;
}

/**
 * Drains the outbox: claims due messages, hands each to the transport, records the outcome. A failure is retried with
 * exponential backoff; a database outage leaves the rows as they are for the next pass (nothing is lost).
 */
export class MailSender {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<DeliveryOutcome> | undefined;
  #again = false;

  constructor(
    private readonly outbox: MailOutbox,
    /** null: no mail server is configured, and messages wait in the outbox (untouched, attempts unspent) until one is. */
    private readonly transport: MailTransport | null,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly listener: DeliveryListener,
    private readonly options: MailSenderOptions = DEFAULT_MAIL_SENDER_OPTIONS,
  ) {}

  /** One pass over what is due; a call while a pass runs makes it run once more, so a message just queued is not missed. */
  drainOnce(): Promise<DeliveryOutcome> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#drainUntilQuiet().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Asks for a pass soon, without waiting for it: called after a transaction that queued mail commits. */
  kick(): void {
    void this.drainOnce();
  }

  start(intervalSeconds: number): void {
    if (intervalSeconds <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.kick(), intervalSeconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Resolves when the pass in progress, if any, has ended. */
  async settled(): Promise<void> {
    await this.#running;
  }

  async #drainUntilQuiet(): Promise<DeliveryOutcome> {
    const total = { sent: 0, failed: 0, retrying: 0 };
    do {
      this.#again = false;
      const outcome = await this.#drainBatches();
      total.sent += outcome.sent;
      total.failed += outcome.failed;
      total.retrying += outcome.retrying;
    } while (this.#again);
    return total;
  }

  async #drainBatches(): Promise<DeliveryOutcome> {
    const total = { sent: 0, failed: 0, retrying: 0 };
    const transport = this.transport;
    if (transport === null) return total;
    for (;;) {
      let claimed: ClaimedMail[];
      try {
        claimed = await this.outbox.claimDue(this.options.batchSize, this.options.leaseSeconds);
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        this.logger.warn({ err: error }, 'mail outbox unreachable; delivery resumes on the next pass');
        return total;
      }
      if (claimed.length === 0) return total;
      for (const mail of claimed) {
        const outcome = await this.#deliver(transport, mail);
        total[outcome] += 1;
      }
    }
  }

  async #deliver(transport: MailTransport, mail: ClaimedMail): Promise<keyof DeliveryOutcome> {
    try {
      await transport.send(mail);
    } catch (error) {
      const reason = describeDeliveryError(error);
      const final = mail.attempt >= this.options.maxAttempts;
      const retryAt = final ? undefined : new Date(this.clock.now() + this.#backoffSeconds(mail.attempt) * 1000);
      this.logger.warn({ mailId: mail.id, kind: mail.kind, attempt: mail.attempt, final, reason }, 'mail delivery failed');
      await this.outbox.markFailed(mail.id, reason, retryAt);
      await this.listener.failed(mail, reason, final);
      return final ? 'failed' : 'retrying';
    }
    await this.outbox.markSent(mail.id);
    await this.listener.sent(mail);
    return 'sent';
  }

  #backoffSeconds(attempt: number): number {
    return Math.min(this.options.firstBackoffSeconds * 2 ** (attempt - 1), this.options.maxBackoffSeconds);
  }
}

/** The server's or the network's words, without the message: an SMTP reply never echoes the body, only codes and text. */
function describeDeliveryError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  return [typeof code === 'string' ? code : undefined, typeof responseCode === 'number' ? String(responseCode) : undefined, error.message]
    .filter((part) => part !== undefined)
    .join(' ');
}
