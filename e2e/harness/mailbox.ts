import { SmtpInbox, type ReceivedMail } from '@portcullis/user-service/mailbox';
import { recordIssuedSecret } from './redaction-check.js';

export type { ReceivedMail };

/**
 * The mail a system's user-service sends, received by a real SMTP server (`SmtpInbox`) running in this test process. Every
 * token a received link carries is recorded as an issued secret, so the run's redaction check (docs/operations.md) proves
 * that no log — the web app's pages get these tokens in `?token=` — ever held one.
 */
export class Mailbox {
  private constructor(private readonly inbox: SmtpInbox) {}

  static async start(): Promise<Mailbox> {
    return new Mailbox(await SmtpInbox.start());
  }

  /** The SMTP_URL that delivers here. */
  get smtpUrl(): string {
    return this.inbox.url;
  }

  /** Waits for the first mail to `address` whose subject matches (one already here counts). */
  async receive(address: string, subject: RegExp): Promise<ReceivedMail> {
    const mail = await this.inbox.waitFor(address, (received) => subject.test(received.subject), 15_000);
    for (const link of mail.text.match(/https?:\/\/\S+/g) ?? []) {
      const token = new URL(link).searchParams.get('token');
      if (token !== null) recordIssuedSecret(token);
    }
    return mail;
  }

  /** Everything received for `address` so far, oldest first. */
  to(address: string): readonly ReceivedMail[] {
    return this.inbox.to(address);
  }

  /** The link in `mail` to one of the app's pages (`reset-password`, `verify-email`, …), as the user would click it. */
  static link(mail: ReceivedMail, page: string): string {
    return SmtpInbox.link(mail, page).toString();
  }

  async close(): Promise<void> {
    await this.inbox.close();
  }
}
