import type { Metadata } from 'next';
import Link from 'next/link';
import { linkTokenOf } from '../../lib/link-token';
import { IncompleteLink } from '../incomplete-link';
import { ResetPasswordForm } from './reset-password-form';

export const metadata: Metadata = { title: 'Choose a new password — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** From the reset mail's link. The proxy answers `Referrer-Policy: no-referrer` for it: the token stays here. */
export default async function ResetPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const token = linkTokenOf(await searchParams);
  return (
    <main>
      <h1>Choose a new password</h1>
      {token === undefined ? (
        <IncompleteLink>
          <Link href="/forgot-password">ask for a new one</Link>.
        </IncompleteLink>
      ) : (
        <ResetPasswordForm token={token} />
      )}
    </main>
  );
}
