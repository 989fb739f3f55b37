import type { Metadata } from 'next';
import Link from 'next/link';
import { linkTokenOf } from '../../lib/link-token';
import { LinkTokenForm } from '../link-token-form';
import { verifyEmail } from './actions';
import { ResendVerificationForm } from './resend-verification-form';

export const metadata: Metadata = { title: 'Confirm your email — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * From the sign-up mail's link (the proxy answers `Referrer-Policy: no-referrer`: the token stays here); without a token,
 * the place to have the link sent again.
 */
export default async function VerifyEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const token = linkTokenOf(await searchParams);
  return (
    <main>
      <h1>Confirm your email</h1>
      {token === undefined ? (
        <>
          <p>Your account works once you follow the link we mailed you. No mail, or the link expired? We can send it again.</p>
          <ResendVerificationForm />
        </>
      ) : (
        <LinkTokenForm
          token={token}
          action={verifyEmail}
          submitLabel="Confirm my email"
          done={
            <p>
              Your email address is confirmed. <Link href="/signin">Sign in</Link>.
            </p>
          }
          newLink={<Link href="/verify-email">Send me a new link.</Link>}
        />
      )}
    </main>
  );
}
