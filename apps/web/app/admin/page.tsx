import { ROLES, USER_STATUSES } from '@portcullis/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { auth } from '../../lib/auth';
import { requireAdminPage } from '../../lib/admin-guard';
import { listUsers } from '../../lib/backend-data';
import { directoryHref, parseDirectoryQuery } from '../../lib/directory-query';
import { Nav } from '../nav';
import { InviteForm } from './invite-form';
import { UserRow } from './user-row';

export const metadata: Metadata = { title: 'Users · Portcullis' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AdminPage({ searchParams }: Props) {
  // The proxy only checks that someone is signed in; the role is checked here, audited when refused.
  const session = await requireAdminPage();
  const query = parseDirectoryQuery(await searchParams);
  const page = await listUsers(query);
  const appOrigin = auth().config.appOrigin;
  const filtered = query.q !== undefined || query.role !== undefined || query.status !== undefined;
  return (
    <main>
      <Nav session={session} />
      <h1>Users</h1>
      <InviteForm appOrigin={appOrigin} />
      <h2>Directory</h2>
      {/* A plain GET form: the search is in the address, so it can be bookmarked, shared and paged with "Next". */}
      <form method="get" action="/admin" role="search" aria-label="Search users" className="inline">
        <label>
          Search <input type="search" name="q" defaultValue={query.q ?? ''} placeholder="Email or name" maxLength={254} />
        </label>
        <label>
          Role{' '}
          <select name="role" defaultValue={query.role ?? ''}>
            <option value="">Any role</option>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select name="status" defaultValue={query.status ?? ''}>
            <option value="">Any status</option>
            {USER_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
        {filtered ? <Link href="/admin">Clear</Link> : null}
      </form>
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Role</th>
            <th>Status</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {page.users.map((user) => (
            // Keyed by state too: a changed user remounts, so the form shows the new role (React resets forms after actions).
            <UserRow key={`${user.id}:${user.role}:${user.status}`} user={user} appOrigin={appOrigin} isSelf={user.id === session.user.id} />
          ))}
        </tbody>
      </table>
      {page.users.length === 0 ? <p>No user matches.</p> : null}
      <nav aria-label="Pages" className="inline">
        {query.cursor !== undefined ? <Link href={directoryHref({ ...query, cursor: undefined })}>First page</Link> : null}
        {page.nextCursor !== null ? <Link href={directoryHref({ ...query, cursor: page.nextCursor })}>Next</Link> : null}
      </nav>
    </main>
  );
}
