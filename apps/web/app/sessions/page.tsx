import { auth } from '../../lib/auth';
import { listMySessions } from '../../lib/backend-data';
import { SessionsTable } from '../../../shared/sessions/sessions-table';
import { Nav } from '../nav';
import { revokeSession } from './actions';

export default async function SessionsPage() {
  const session = await auth().page.requireScope('sessions:manage');
  const devices = await listMySessions();
  return (
    <main>
      <Nav session={session} />
      <h1>My devices</h1>
      <SessionsTable sessions={devices} currentLabel="this device" revoke={revokeSession} />
    </main>
  );
}
