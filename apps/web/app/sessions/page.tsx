import { auth } from '../../lib/auth';
import { listMySessions } from '../../lib/backend-data';
import { Nav } from '../nav';
import { RevokeButton } from './revoke-button';

export default async function SessionsPage() {
  const session = await auth().page.requireScope('sessions:manage');
  const devices = await listMySessions();
  return (
    <main>
      <Nav session={session} />
      <h1>My devices</h1>
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
          {devices.map((device) => (
            <tr key={device.id} data-session-id={device.id} data-current={device.current ? 'true' : 'false'}>
              <td>
                {device.userAgent ?? 'Unknown device'}
                {device.current ? <strong> (this device)</strong> : null}
              </td>
              <td>{device.ip ?? '—'}</td>
              <td>{new Date(device.createdAt).toISOString()}</td>
              <td>{new Date(device.lastUsedAt).toISOString()}</td>
              <td>
                <RevokeButton sessionId={device.id} current={device.current} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
