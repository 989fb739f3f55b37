import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { devMailboxDirectory, listDevMail, readDevMail } from '../../../lib/dev-mailbox';
import { MailText } from './mail-text';

export const metadata: Metadata = { title: 'Development mailbox · Portcullis', robots: { index: false } };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function time(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * The mail the user-service sent while it runs without a mail server (`npm start`): a list, newest first, and one
 * message with its links. It exists only when the start script named the mailbox directory (DEV_MAILBOX_DIR); a
 * production deployment never does, and then this page is a 404 like any page that does not exist.
 */
export default async function DevMailboxPage({ searchParams }: Props) {
  const directory = devMailboxDirectory();
  if (directory === undefined) notFound();
  const { id } = await searchParams;
  const [messages, open] = await Promise.all([listDevMail(directory), typeof id === 'string' ? readDevMail(directory, id) : null]);

  return (
    <main className="wide">
      <h1>Development mailbox</h1>
      <p className="muted">Mail the user-service sent to its local SMTP server, as no SMTP_URL is set. This page exists only in a development start.</p>
      {typeof id === 'string' ? (
        open === null ? (
          <p role="alert">No such message.</p>
        ) : (
          <article aria-labelledby="message-subject">
            <h2 id="message-subject">{open.subject}</h2>
            <dl>
              <dt>To</dt>
              <dd>{open.to}</dd>
              <dt>From</dt>
              <dd>{open.from}</dd>
              <dt>Received (UTC)</dt>
              <dd>{time(open.receivedAt)}</dd>
            </dl>
            <MailText text={open.text} />
          </article>
        )
      ) : null}
      <section aria-labelledby="messages-heading">
        <h2 id="messages-heading">Messages</h2>
        {messages.length === 0 ? (
          <p>No mail yet. Sign up, ask for a password reset or invite someone, and the message appears here.</p>
        ) : (
          <table>
            <caption className="visually-hidden">Messages received, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Received (UTC)</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((message) => (
                <tr key={message.id} aria-current={message.id === id ? 'true' : undefined}>
                  <td>{time(message.receivedAt)}</td>
                  <td>{message.to}</td>
                  <th scope="row">
                    <Link href={`/dev/mailbox?id=${message.id}`}>{message.subject || '(no subject)'}</Link>
                  </th>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
