import { auth } from '../../lib/auth';
import { listMySessions } from '../../lib/backend-data';
import { Nav } from '../nav';
import { RevokeButton } from './revoke-button';

export default async function SessionsPage() {
  await auth().page.requireScope('sessions:manage');
  const sessions = await listMySessions();
  return (
    <main>
      <Nav />
      <h1>My sessions</h1>
      <table>
        <thead>
          <tr>
            <th>Device</th>
            <th>Address</th>
            <th>Signed in</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.id} data-session-id={session.id} data-current={session.current ? 'true' : 'false'}>
              <td>
                {session.userAgent ?? 'Unknown device'}
                {session.current ? <strong> (this session)</strong> : null}
              </td>
              <td>{session.ip ?? '—'}</td>
              <td>{new Date(session.createdAt).toISOString()}</td>
              <td>{new Date(session.lastUsedAt).toISOString()}</td>
              <td>
                <RevokeButton sessionId={session.id} current={session.current} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
