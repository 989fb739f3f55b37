import { auth } from '../../lib/auth';
import { listMySessions } from '../../lib/backend-data';
import { SessionsTable } from '../../../shared/sessions/sessions-table';
import { Nav } from '../nav';
import { revokeSession } from './actions';

export default async function SessionsPage() {
  await auth().page.requireScope('sessions:manage');
  const sessions = await listMySessions();
  return (
    <main>
      <Nav />
      <h1>My sessions</h1>
      <SessionsTable sessions={sessions} currentLabel="this session" revoke={revokeSession} />
    </main>
  );
}
