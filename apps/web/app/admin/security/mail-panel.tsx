import type { MailDeliveryStatus } from '@portcullis/contracts';
import type { ReactElement } from 'react';
import { formatTime } from '../../../lib/security/format';

/** "3 min 20 s": how long the oldest message has waited, to the second. */
function waited(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds} s` : `${minutes} min ${seconds % 60} s`;
}

/**
 * Mail delivery at a glance (docs/mail.md): what waits, what went, what was given up, and the latest messages with
 * their last error. A pending message that keeps ageing means the mail server is unreachable or refusing.
 */
export function MailPanel({ mail }: { mail: MailDeliveryStatus }): ReactElement {
  return (
    <section aria-labelledby="mail-heading">
      <h2 id="mail-heading">Mail delivery</h2>
      <p data-testid="mail-counts">
        {mail.counts.pending} pending · {mail.counts.sent} sent ·{' '}
        <span className={mail.counts.failed > 0 ? 'outcome-failure' : undefined}>{mail.counts.failed} failed</span>
        {mail.oldestPendingSeconds === null ? null : ` · oldest pending waiting ${waited(mail.oldestPendingSeconds)}`}
      </p>
      {mail.recent.length === 0 ? (
        <p>No mail sent yet.</p>
      ) : (
        <table className="compact">
          <caption>Latest messages, newest first (their content is never shown)</caption>
          <thead>
            <tr>
              <th scope="col">Queued (UTC)</th>
              <th scope="col">Kind</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {mail.recent.map((message) => (
              <tr key={message.id} data-mail-status={message.status}>
                <td>{formatTime(message.createdAt)}</td>
                <td>
                  <code>{message.kind}</code>
                </td>
                <td>{message.recipient}</td>
                <td className={message.status === 'failed' ? 'outcome-failure' : undefined}>
                  {message.status === 'sent' && message.sentAt !== null ? `sent ${formatTime(message.sentAt)}` : message.status}
                </td>
                <td>{message.attempts}</td>
                <td>{message.lastError ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
