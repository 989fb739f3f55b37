import { safeCallbackPath } from '@portcullis/next';
import type { Metadata } from 'next';
import Link from 'next/link';
import { auth } from '../../../lib/auth';
import { EnrolmentForm } from './enrolment-form';

export const metadata: Metadata = { title: 'Set up a second factor — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * Where a user who must have a second factor (MFA_REQUIRED_ROLES, or an admin's requirement) and has none lands after a
 * right password: no session exists yet, only the pending sign-in in its sealed cookie, which lets this page set up one
 * factor — an authenticator app or a passkey — and then finish the sign-in with it.
 */
export default async function EnrolmentPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackPath = safeCallbackPath(typeof params.callbackUrl === 'string' ? params.callbackUrl : undefined, auth().config.appOrigin);
  const pending = await auth().mfaEnrolment.pending();
  return (
    <main>
      <h1>Set up a second factor</h1>
      {pending === null ? (
        <>
          <p className="alert" role="alert">
            This sign-in took too long or is already finished.
          </p>
          <p>
            <Link href="/signin">Sign in again</Link>
          </p>
        </>
      ) : (
        <EnrolmentForm callbackPath={callbackPath} alreadyEnrolled={pending.stage === 'second_factor'} />
      )}
    </main>
  );
}
