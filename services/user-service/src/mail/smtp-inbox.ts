import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DevMailboxMessage } from '@portcullis/contracts';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the SMTP server received it, parsed. */
export interface ReceivedMail {
  /** Sortable by arrival (see `devMailboxMessageSchema`); the file name when the inbox keeps a directory. */
  readonly id: string;
  readonly receivedAt: number;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Header lines as received, lower-case names: to check what a message does not carry (tracking, a reply-to). */
  readonly headers: ReadonlyMap<string, string>;
}

export interface SmtpInboxOptions {
  /** The loopback port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /**
   * Also writes each message to `<directory>/<id>.json` (the development mailbox, read by the web app's /dev/mailbox);
   * a message is renamed into place whole, so a reader never sees half of one.
   */
  readonly directory?: string;
}

/**
 * A real SMTP server on loopback (`smtp-server`, messages parsed with `mailparser`) that keeps what it receives, so tests
 * read the mail a user would get and follow its links, and a developer reads it at /dev/mailbox. `refuse` makes it
 * answer every message with a temporary failure, as a mail server that is down for the service.
 */
export class SmtpInbox {
  readonly #messages: ReceivedMail[] = [];
  readonly #waiters = new Set<() => void>();
  #refusing = false;

  readonly #server: SMTPServer;
  #port = 0;

  private constructor(private readonly directory: string | undefined) {
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
            return Promise.all(session.envelope.rcptTo.map((recipient) => this.#receive(recipient.address, parsed))).then(() => callback());
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      },
    });
    // A client's broken connection is reported as an 'error' event; without a listener it would end the process.
    this.#server.on('error', () => undefined);
  }

  static async start(options: SmtpInboxOptions = {}): Promise<SmtpInbox> {
    const inbox = new SmtpInbox(options.directory);
    // Owner-only, like each message in it: they hold live reset and sign-in links.
    if (options.directory !== undefined) await mkdir(options.directory, { recursive: true, mode: 0o700 });
    await new Promise<void>((resolve, reject) => {
      inbox.#server.once('error', reject);
      inbox.#server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
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

  async #receive(address: string, parsed: ParsedMail): Promise<void> {
    const receivedAt = Date.now();
    const mail: ReceivedMail = {
      id: `${String(receivedAt).padStart(15, '0')}-${randomBytes(4).toString('hex')}`,
      receivedAt,
      from: parsed.from?.text ?? '',
      to: address.toLowerCase(),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers: new Map(parsed.headerLines.map((line) => [line.key, line.line])),
    };
    if (this.directory !== undefined) await this.#keep(this.directory, mail);
    this.#messages.push(mail);
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  async #keep(directory: string, mail: ReceivedMail): Promise<void> {
    const kept: DevMailboxMessage = { id: mail.id, receivedAt: mail.receivedAt, from: mail.from, to: mail.to, subject: mail.subject, text: mail.text };
    const partial = join(directory, `.${mail.id}.partial`);
    await writeFile(partial, `${JSON.stringify(kept)}\n`, { mode: 0o600 });
    await rename(partial, join(directory, `${mail.id}.json`));
  }
}
