import { getServerSession } from 'next-auth';
import { redirect } from 'next/navigation';
import { apiUrl, authOptions } from '../lib/auth-options';

/**
 * The protected page of the naive baseline: a server component that reads the session with getServerSession (which
 * runs the `jwt` callback, so a due token is refreshed here) and shows the account the access token opens.
 */
export default async function ProtectedPage() {
  const session = await getServerSession(authOptions);
  // The published pattern sends the user back to sign-in when there is no session or the refresh failed.
  if (session === null || session.error !== undefined) redirect('/api/auth/signin');
  const response = await fetch(`${apiUrl()}/v1/me`, { headers: { authorization: `Bearer ${session.accessToken ?? ''}` }, cache: 'no-store' });
  if (!response.ok) {
    return (
      <main>
        <h1>Error</h1>
        <p data-state="error">The user-service refused the access token ({response.status}).</p>
      </main>
    );
  }
  const { user } = (await response.json()) as { user: { email: string } };
  return (
    <main>
      <h1>Signed in (benchmark baseline)</h1>
      <p data-state="signed-in">{user.email}</p>
    </main>
  );
}
