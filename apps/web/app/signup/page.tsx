import type { Metadata } from 'next';
import Link from 'next/link';
import { signupOpen } from '../../lib/auth';
import { SignUpForm } from './sign-up-form';

export const metadata: Metadata = { title: 'Sign up — Portcullis' };

/** Open sign-up (SIGNUP=open). Otherwise the page says how accounts come about instead of offering a form that is refused. */
export default function SignUpPage() {
  return (
    <main>
      <h1>Create an account</h1>
      {signupOpen() ? (
        <SignUpForm />
      ) : (
        <p className="notice" role="status">
          Sign-up is by invitation: ask an administrator to invite you. Already have an account? <Link href="/signin">Sign in</Link>.
        </p>
      )}
    </main>
  );
}
