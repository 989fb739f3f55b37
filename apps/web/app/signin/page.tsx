import { parseSignInError, safeCallbackPath, signInErrorMessage } from '@portcullis/next';
import { redirect } from 'next/navigation';
import { auth } from '../../lib/auth';
import { SignInForm } from './sign-in-form';

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  // Only a path on our own origin survives (no open redirect through ?callbackUrl=).
  const callbackPath = safeCallbackPath(first(params.callbackUrl), auth().config.appOrigin);
  const problem = parseSignInError(first(params.error));
  if (!problem && (await auth().getSession())) redirect(callbackPath);
  return (
    <main>
      <h1>Sign in to Portcullis</h1>
      {first(params.signedOut) ? <p className="notice" role="status">You have been signed out.</p> : null}
      <SignInForm callbackPath={callbackPath} initialMessage={problem ? signInErrorMessage(problem) : null} />
    </main>
  );
}
