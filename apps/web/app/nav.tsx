import Link from 'next/link';
import type { ServerSession } from '@portcullis/next';

/** Top navigation; sign-out is a plain form POST so it works without JavaScript. */
export function Nav({ session }: { session: ServerSession }) {
  return (
    <nav aria-label="Main">
      <Link href="/">Dashboard</Link>
      <Link href="/sessions">My devices</Link>
      <Link href="/account">My account</Link>
      <Link href="/account/security">Sign-in security</Link>
      {session.scopes.includes('requests:write') ? <Link href="/requests">Spending requests</Link> : null}
      {session.user.role === 'ADMIN' ? <Link href="/admin">Admin</Link> : null}
      {session.user.role === 'ADMIN' ? <Link href="/admin/security">Security</Link> : null}
      <form method="post" action="/api/auth/signout">
        <button type="submit">Sign out</button>
      </form>
    </nav>
  );
}
