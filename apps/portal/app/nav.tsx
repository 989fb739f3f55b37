import Link from 'next/link';

/** Top navigation; sign-out is a plain form POST so it works without JavaScript, and goes on to the provider. */
export function Nav() {
  return (
    <nav aria-label="Main">
      <Link href="/">Profile</Link>
      <Link href="/sessions">My sessions</Link>
      <form method="post" action="/api/auth/signout">
        <button type="submit">Sign out</button>
      </form>
    </nav>
  );
}
