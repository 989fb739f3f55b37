import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { auth } from '../../../../lib/auth';
import { requireAdminPage } from '../../../../lib/admin-guard';
import { findUser, listUserEvents } from '../../../../lib/backend-data';
import { factorsOfUser } from '../../../../lib/mfa-data';
import { Nav } from '../../../nav';
import { UserFactors } from './user-factors';

export const metadata: Metadata = { title: 'Security events · Portcullis' };

const EVENTS_SHOWN = 50;

type Props = { params: Promise<{ id: string }> };

/** One user's second factors, and their latest security events from the audit trail: sign-ins, failures, resets, changes made by admins. */
export default async function UserEventsPage({ params }: Props) {
  const session = await requireAdminPage();
  const id = z.uuid().safeParse((await params).id);
  if (!id.success) notFound();
  const user = await findUser(id.data);
  if (user === null) notFound();
  const [events, mfa] = await Promise.all([listUserEvents(user.id, EVENTS_SHOWN), factorsOfUser(user.id)]);
  return (
    <main>
      <Nav session={session} />
      <p>
        <Link href="/admin">← Users</Link>
      </p>
      <h1>Security events of {user.email}</h1>
      <UserFactors userId={user.id} email={user.email} mfa={mfa} appOrigin={auth().config.appOrigin} />
      <h2>Events</h2>
      {events.length === 0 ? (
        <p>No security events yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Reason</th>
              <th>Address</th>
              <th>Browser</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id} data-event-type={event.type}>
                <td>
                  <time dateTime={new Date(event.at).toISOString()}>{new Date(event.at).toISOString().replace('T', ' ').slice(0, 19)} UTC</time>
                </td>
                <td>{event.type}</td>
                <td>{event.reason ?? ''}</td>
                <td>{event.ip ?? ''}</td>
                <td>{event.userAgent ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
