'use client';

import type { MfaMethod } from '@portcullis/contracts';
import { finishSignInWithCode, finishSignInWithPasskey, signInErrorMessage, type SignInResult } from '@portcullis/next/client';
import { useState, type FormEvent } from 'react';

/**
 * The sign-in's second step, after a right password (OWASP ASVS 5.0 §6.3.3): a passkey first when the user has one (it
 * cannot be phished), a code from the authenticator app (RFC 6238), or a recovery code. No session exists until one of
 * them is accepted; a wrong one may be tried again while the pending sign-in lasts (5 minutes), and `onExpired` sends
 * the person back to the password when it is gone.
 */
export function SecondFactorForm({ methods, callbackPath, onExpired }: { methods: readonly MfaMethod[]; callbackPath: string; onExpired: (message: string) => void }) {
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function finish(step: () => Promise<SignInResult>): Promise<void> {
    setPending(true);
    setMessage(null);
    const result = await step();
    if (result.ok) {
      // A full navigation, so the first page renders through the proxy with the new cookie.
      window.location.assign(result.url);
      return;
    }
    if (result.problem.code === 'mfa_expired') onExpired(signInErrorMessage(result.problem));
    else setMessage(signInErrorMessage(result.problem));
    setPending(false);
  }

  function onCode(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const totp = String(new FormData(event.currentTarget).get('totp') ?? '').replace(/\s/g, '');
    void finish(() => finishSignInWithCode({ code: totp, callbackPath }));
  }

  function onRecoveryCode(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const recoveryCode = String(new FormData(event.currentTarget).get('recoveryCode') ?? '').trim();
    void finish(() => finishSignInWithCode({ recoveryCode, callbackPath }));
  }

  return (
    <section aria-label="Second factor" className="stack">
      <h2>Confirm it is you</h2>
      <p>Your password was right. Now use your passkey or a code from your authenticator app.</p>
      {message ? (
        <p className="alert" role="alert">
          {message}
        </p>
      ) : null}
      {methods.includes('webauthn') ? (
        <button type="button" disabled={pending} onClick={() => void finish(() => finishSignInWithPasskey({ callbackPath }))}>
          Use a passkey
        </button>
      ) : null}
      {methods.includes('totp') ? (
        <form className="stack" onSubmit={onCode}>
          <label>
            Code from your authenticator app
            <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,7}" maxLength={7} required autoFocus={!methods.includes('webauthn')} />
          </label>
          <button type="submit" disabled={pending}>
            Verify code
          </button>
        </form>
      ) : null}
      {methods.includes('recovery_code') ? (
        <details>
          <summary>Use a recovery code</summary>
          <form className="stack" onSubmit={onRecoveryCode}>
            <label>
              Recovery code
              <input name="recoveryCode" autoComplete="off" spellCheck={false} maxLength={11} required />
            </label>
            <button type="submit" disabled={pending}>
              Verify recovery code
            </button>
          </form>
        </details>
      ) : null}
    </section>
  );
}
