import { auth } from '../lib/auth';
import { me } from '../lib/backend-data';
import { Nav } from './nav';

export default async function ProfilePage() {
  await auth().page.requireSession();
  // Read fresh from the user-service with the provider-issued access token: the same API as the web app.
  const user = await me();
  return (
    <main>
      <Nav />
      <h1>Portal: signed in as {user.name}</h1>
      <dl>
        <dt>Name</dt>
        <dd data-testid="name">{user.name}</dd>
        <dt>Email</dt>
        <dd data-testid="email">{user.email}</dd>
        <dt>Role</dt>
        <dd data-testid="role">{user.role}</dd>
      </dl>
    </main>
  );
}
