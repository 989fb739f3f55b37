import { auth } from '../lib/auth';
import { Nav } from './nav';

function time(ms: number): string {
  return new Date(ms).toISOString();
}

export default async function DashboardPage() {
  const session = await auth().page.requireSession();
  return (
    <main>
      <Nav session={session} />
      <h1>Signed in as {session.user.name}</h1>
      <dl>
        <dt>Email</dt>
        <dd data-testid="email">{session.user.email}</dd>
        <dt>Role</dt>
        <dd data-testid="role">{session.user.role}</dd>
        <dt>Scopes</dt>
        <dd data-testid="scopes">{session.scopes.join(' ')}</dd>
        <dt>Access token expires</dt>
        <dd data-testid="access-expires">{time(session.accessTokenExpiresAt)}</dd>
        <dt>Next refresh</dt>
        <dd data-testid="refresh-at">{time(session.refreshAt)}</dd>
        <dt>Session ends</dt>
        <dd data-testid="session-ends">{time(session.expiresAt)}</dd>
      </dl>
    </main>
  );
}
