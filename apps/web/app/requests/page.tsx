import { auth } from '../../lib/auth';
import { listMyRequests } from '../../lib/requests-data';
import { Nav } from '../nav';
import { NewRequestForm } from './new-request-form';
import { RequestRow } from './request-row';

export default async function RequestsPage() {
  // The proxy only checks that someone is signed in; the scope is checked here, audited when refused.
  const session = await auth().page.requireScope('requests:write');
  const mine = await listMyRequests();
  return (
    <main>
      <Nav session={session} />
      <h1>Spending requests</h1>
      <section aria-labelledby="new-request">
        <h2 id="new-request">Ask for a higher spending limit</h2>
        <NewRequestForm />
      </section>
      <section aria-labelledby="my-requests">
        <h2 id="my-requests">My requests</h2>
        {mine.length === 0 ? (
          <p>No requests yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>New limit</th>
                <th>Reason</th>
                <th>Asked</th>
                <th>Status</th>
                <th>Approval</th>
              </tr>
            </thead>
            <tbody>
              {mine.map((request) => (
                // The configured origin, never the URL's: the only origin whose answers the page accepts.
                <RequestRow key={request.id} request={request} appOrigin={auth().config.appOrigin} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
