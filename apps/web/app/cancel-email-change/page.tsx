import type { Metadata } from 'next';
import Link from 'next/link';
import { linkTokenOf } from '../../lib/link-token';
import { IncompleteLink } from '../incomplete-link';
import { LinkTokenForm } from '../link-token-form';
import { cancelEmailChange } from './actions';

export const metadata: Metadata = { title: 'Cancel the email change — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * From the notice mailed to the old address when someone asked to change it. The proxy answers `Referrer-Policy:
 * no-referrer` for it: the token stays here.
 */
export default async function CancelEmailChangePage({ searchParams }: { searchParams: SearchParams }) {
  const token = linkTokenOf(await searchParams);
  const secure = <Link href="/forgot-password">Choose a new password to secure your account.</Link>;
  return (
    <main>
      <h1>Cancel the email change</h1>
      {token === undefined ? (
        <IncompleteLink>{secure}</IncompleteLink>
      ) : (
        <>
          <p>
            If you did not ask to change your email address, cancel the change: your account keeps this address, every device is signed out, and you choose a new password
            from the link we then mail you.
          </p>
          <LinkTokenForm
            token={token}
            action={cancelEmailChange}
            submitLabel="Cancel the change"
            done={
              <>
                <p>The change is cancelled and every device was signed out of your account.</p>
                <p>Your old password no longer works: we mailed this address a link to choose a new one.</p>
              </>
            }
            newLink={secure}
          />
        </>
      )}
    </main>
  );
}
