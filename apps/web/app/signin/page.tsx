import { parseSignInError, safeCallbackPath, signInErrorMessage } from '@portcullis/next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { auth, signupOpen } from '../../lib/auth';
import { SignInForm } from './sign-in-form';
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
  // AUTH_MODES: the password form, single sign-on at the Portcullis provider, or both.
  const { mode } = auth().config;
  const message = problem ? signInErrorMessage(problem) : null;
  return (
    <main>
      <h1>Sign in to Portcullis</h1>
      {first(params.signedOut) ? (
        <p className="notice" role="status">
          You have been signed out.
        </p>
      ) : null}
      {first(params.enrolled) ? (
        <p className="notice" role="status">
          Your second factor is set up. Sign in with your password, then with it.
        </p>
      ) : null}
      {mode === 'oidc' && message ? <p role="alert">{message}</p> : null}
      {mode !== 'oidc' ? (
        <>
          <SignInForm callbackPath={callbackPath} initialMessage={message} initialUnverified={problem?.code === 'email_unverified'} />
          <p>
            <Link href="/forgot-password">Forgot your password?</Link>
            {signupOpen() ? (
              <>
                {' · '}No account yet? <Link href="/signup">Sign up</Link>
              </>
            ) : null}
          </p>
        </>
      ) : null}
      {mode !== 'credentials' ? (
        <section aria-label="Single sign-on" className="stack">
          {mode === 'both' ? <p>Or use the account you are already signed in with in other Portcullis apps:</p> : null}
          <SingleSignOnButton callbackPath={callbackPath} label="Sign in with single sign-on" />
        </section>
      ) : null}
    </main>
  );
}
