'use client';

import type { MfaMethod } from '@portcullis/contracts';
import { signInErrorMessage, signInWithCredentials, signInWithPasskey, type SignInResult } from '@portcullis/next/client';
import { browserSupportsWebAuthnAutofill, WebAuthnAbortService } from '@simplewebauthn/browser';
import { useEffect, useState, type FormEvent } from 'react';
import { CredentialFields } from '../credential-fields';
import { ResendVerificationForm } from '../verify-email/resend-verification-form';
import { SecondFactorForm } from './second-factor-form';

/** `unverified`: the account's address is not confirmed yet; the form then offers to send the link again to `email`. */
type Unconfirmed = { email: string | undefined } | null;

/** Where to set up a second factor when the account must have one before any session. */
function enrolmentPath(callbackPath: string): string {
  return `/signin/enrol?callbackUrl=${encodeURIComponent(callbackPath)}`;
}

export function SignInForm({ callbackPath, initialMessage, initialUnverified }: { callbackPath: string; initialMessage: string | null; initialUnverified: boolean }) {
  const [message, setMessage] = useState<string | null>(initialMessage);
  const [pending, setPending] = useState(false);
  const [unconfirmed, setUnconfirmed] = useState<Unconfirmed>(initialUnverified ? { email: undefined } : null);
  // Set once the password was right and a second factor is owed: the page then asks for it instead.
  const [secondFactor, setSecondFactor] = useState<readonly MfaMethod[] | null>(null);

  function follow(result: SignInResult): void {
    if (result.ok) {
      // A full navigation, so the first page renders through the proxy with the new cookie.
      window.location.assign(result.url);
      return;
    }
    if (result.problem.code === 'enrollment_required') {
      window.location.assign(enrolmentPath(callbackPath));
      return;
    }
    setPending(false);
    if (result.problem.code === 'mfa_required') {
      setSecondFactor(result.problem.methods ?? ['totp', 'recovery_code']);
      return;
    }
    setMessage(signInErrorMessage(result.problem));
  }

  useEffect(() => {
    // Passkeys among the email field's autofill suggestions (conditional mediation): picking one signs in, no password.
    let active = true;
    void (async () => {
      if (!(await browserSupportsWebAuthnAutofill())) return;
      const result = await signInWithPasskey({ callbackPath, conditional: true });
      // Only a passkey picked from the suggestions says anything: autofill that could not be offered, or that the button's
      // own ceremony ended, is no news to the person.
      if (active && result.ok) follow(result);
    })();
    return () => {
      active = false;
      WebAuthnAbortService.cancelCeremony();
    };
    // Once per page: the autofill ceremony waits for as long as the page is open.
  }, []);

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email') ?? '');
    // The person chose the password: the autofill offer ends, so no passkey can sign in behind the second step.
    WebAuthnAbortService.cancelCeremony();
    setPending(true);
    setMessage(null);
    setUnconfirmed(null);
    const result = await signInWithCredentials({
      email,
      password: String(form.get('password') ?? ''),
      callbackPath,
    });
    follow(result);
    if (!result.ok && result.problem.code === 'email_unverified') setUnconfirmed({ email });
  }

  async function onPasskey(): Promise<void> {
    setPending(true);
    setMessage(null);
    follow(await signInWithPasskey({ callbackPath }));
  }

  if (secondFactor !== null) {
    return (
      <SecondFactorForm
        methods={secondFactor}
        callbackPath={callbackPath}
        onExpired={(expired) => {
          setSecondFactor(null);
          setMessage(expired);
        }}
      />
    );
  }

  return (
    <>
      <form className="stack" onSubmit={onSubmit} method="post">
        <CredentialFields message={message} passkeyAutofill />
        <button type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <button type="button" onClick={() => void onPasskey()} disabled={pending}>
        Sign in with a passkey
      </button>
      {unconfirmed === null ? null : <ResendVerificationForm key={unconfirmed.email ?? ''} {...(unconfirmed.email === undefined ? {} : { email: unconfirmed.email })} />}
    </>
  );
}
