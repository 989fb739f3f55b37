'use client';

import { signInErrorMessage, signInWithCredentials } from '@portcullis/next/client';
import { useState, type FormEvent } from 'react';
import { CredentialFields } from '../credential-fields';

export function SignInForm({ callbackPath, initialMessage }: { callbackPath: string; initialMessage: string | null }) {
  const [message, setMessage] = useState<string | null>(initialMessage);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setMessage(null);
    const result = await signInWithCredentials({
      email: String(form.get('email') ?? ''),
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
  }

  return (
    <form className="stack" onSubmit={onSubmit} method="post">
      <CredentialFields message={message} />
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
