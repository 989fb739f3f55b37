import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the SMTP server received it, parsed. */
export interface ReceivedMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Header lines as received, lower-case names: to check what a message does not carry (tracking, a reply-to). */
  readonly headers: ReadonlyMap<string, string>;
}

/**
 * A real SMTP server on loopback (`smtp-server`, messages parsed with `mailparser`) that keeps what it receives, so tests
 * read the mail a user would get and follow its links. `refuse` makes it answer every message with a temporary failure,
 * as a mail server that is down for the service.
 */
export class SmtpInbox {
  readonly #messages: ReceivedMail[] = [];
  readonly #waiters = new Set<() => void>();
  #refusing = false;

  readonly #server: SMTPServer;
  #port = 0;

  private constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            if (this.#refusing) {
              callback(Object.assign(new Error('mailbox unavailable, try later'), { responseCode: 451 }));
              return;
            }
            for (const recipient of session.envelope.rcptTo) this.#receive(recipient.address, parsed);
            callback();
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      },
    });
  }

  static async start(): Promise<SmtpInbox> {
    const inbox = new SmtpInbox();
    await new Promise<void>((resolve) => inbox.#server.listen(0, '127.0.0.1', resolve));
    inbox.#port = (inbox.#server.server.address() as AddressInfo).port;
    return inbox;
  }

  get port(): number {
    return this.#port;
  }

  /** The SMTP_URL that delivers here. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** While true, every message is answered 451 (try again later), as a server that is down. */
  refuse(refusing: boolean): void {
    this.#refusing = refusing;
  }

  /** Every message received so far, oldest first. */
  messages(): readonly ReceivedMail[] {
    return [...this.#messages];
  }

  /** Messages to one address. */
  to(address: string): readonly ReceivedMail[] {
    return this.#messages.filter((mail) => mail.to === address.toLowerCase());
  }

  /** Waits for the next message to `address` that `match` accepts (the first such one already here counts). */
  async waitFor(address: string, match: (mail: ReceivedMail) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedMail> {
    const find = () => this.to(address).find(match);
    const deadline = Date.now() + timeoutMs;
    for (let found = find(); ; found = find()) {
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no mail to ${address} within ${timeoutMs} ms (received: ${this.#messages.map((mail) => `${mail.to}: ${mail.subject}`).join('; ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** The first link in a message's text to `${base}/${page}`, e.g. the reset link. */
  static link(mail: ReceivedMail, page: string): URL {
    const found = mail.text
      .match(/https?:\/\/\S+/g)
      ?.map((text) => new URL(text))
      .find((url) => url.pathname.endsWith(`/${page}`));
    if (found === undefined) throw new Error(`the mail "${mail.subject}" has no link to ${page}`);
    return found;
  }

  /** The `token` of the first link to `page`. */
  static token(mail: ReceivedMail, page: string): string {
    const token = SmtpInbox.link(mail, page).searchParams.get('token');
    if (token === null) throw new Error(`the ${page} link in "${mail.subject}" has no token`);
    return token;
  }

  clear(): void {
    this.#messages.length = 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #receive(address: string, parsed: ParsedMail): void {
    this.#messages.push({
      to: address.toLowerCase(),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers: new Map(parsed.headerLines.map((line) => [line.key, line.line])),
    });
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }
}
