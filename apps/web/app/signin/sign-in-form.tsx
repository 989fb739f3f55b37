'use client';

import { signInErrorMessage, signInWithCredentials } from '@portcullis/next/client';
import { useState, type FormEvent } from 'react';
import { CredentialFields } from '../credential-fields';
import { ResendVerificationForm } from '../verify-email/resend-verification-form';

/** `unverified`: the account's address is not confirmed yet; the form then offers to send the link again to `email`. */
type Unconfirmed = { email: string | undefined } | null;

export function SignInForm({ callbackPath, initialMessage, initialUnverified }: { callbackPath: string; initialMessage: string | null; initialUnverified: boolean }) {
  const [message, setMessage] = useState<string | null>(initialMessage);
  const [pending, setPending] = useState(false);
  const [unconfirmed, setUnconfirmed] = useState<Unconfirmed>(initialUnverified ? { email: undefined } : null);

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email') ?? '');
    setPending(true);
    setMessage(null);
    setUnconfirmed(null);
    const result = await signInWithCredentials({
      email,
      password: String(form.get('password') ?? ''),
      callbackPath,
    });
    if (result.ok) {
      // A full navigation, so the first page renders through the proxy with the new cookie.
      window.location.assign(result.url);
      return;
    }
    setPending(false);
    setMessage(signInErrorMessage(result.problem));
    if (result.problem.code === 'email_unverified') setUnconfirmed({ email });
  }

  return (
    <>
      <form className="stack" onSubmit={onSubmit} method="post">
        <CredentialFields message={message} />
        <button type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {unconfirmed === null ? null : <ResendVerificationForm key={unconfirmed.email ?? ''} {...(unconfirmed.email === undefined ? {} : { email: unconfirmed.email })} />}
    </>
  );
}
