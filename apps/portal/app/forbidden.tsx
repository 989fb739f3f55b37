import Link from 'next/link';

/** Rendered by `forbidden()` with status 403. */
export default function Forbidden() {
  return (
    <main>
      <h1>403 — Forbidden</h1>
      <p>You do not have access to this page. The attempt has been recorded.</p>
      <Link href="/">Back to your profile</Link>
    </main>
  );
}
