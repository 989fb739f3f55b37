import { auth } from '../../lib/auth';
import { listUsers } from '../../lib/backend-data';
import { Nav } from '../nav';
import { UserRow } from './user-row';

export default async function AdminPage() {
  // The proxy only checks that someone is signed in; the role is checked here, audited when refused.
  const session = await auth().page.requireRole('ADMIN');
  const users = await listUsers();
  return (
    <main>
      <Nav session={session} />
      <h1>Users</h1>
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Role</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            // Keyed by state too: a changed user remounts, so the form shows the new role (React resets forms after actions).
            <UserRow key={`${user.id}:${user.role}:${String(user.disabled)}`} user={user} appOrigin={auth().config.appOrigin} />
          ))}
        </tbody>
      </table>
    </main>
  );
}
