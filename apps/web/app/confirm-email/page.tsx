import type { Metadata } from 'next';
import Link from 'next/link';
import { linkTokenOf } from '../../lib/link-token';
import { IncompleteLink } from '../incomplete-link';
import { LinkTokenForm } from '../link-token-form';
import { confirmEmail } from './actions';

export const metadata: Metadata = { title: 'Confirm your new email — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** From the link mailed to the new address. The proxy answers `Referrer-Policy: no-referrer` for it: the token stays here. */
export default async function ConfirmEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const token = linkTokenOf(await searchParams);
  const again = <Link href="/account">Ask for the change again from your account page.</Link>;
  return (
    <main>
      <h1>Confirm your new email</h1>
      {token === undefined ? (
        <IncompleteLink>{again}</IncompleteLink>
      ) : (
        <LinkTokenForm
          token={token}
          action={confirmEmail}
          submitLabel="Confirm my new email"
          done={
            <p>
              Your email address is changed. From now on, <Link href="/signin">sign in</Link> with the new one.
            </p>
          }
          newLink={again}
        />
      )}
    </main>
  );
}
