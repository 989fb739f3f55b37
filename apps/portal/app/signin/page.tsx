import { parseSignInError, safeCallbackPath, signInErrorMessage } from '@portcullis/next';
import { redirect } from 'next/navigation';
import { auth } from '../../lib/auth';
import { SingleSignOnButton } from '../../../shared/single-sign-on-button';

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
      <h1>Sign in to the Portcullis Portal</h1>
      <p>The portal uses your Portcullis account: if you are signed in to another Portcullis app, you are in at once.</p>
      {problem ? <p role="alert">{signInErrorMessage(problem)}</p> : null}
      <SingleSignOnButton callbackPath={callbackPath} label="Sign in with Portcullis" />
    </main>
  );
}
