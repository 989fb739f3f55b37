'use client';

import type { ActionResult } from '@portcullis/next';
import { createPasskey, finishSignInWithCode, finishSignInWithPasskey, signInErrorMessage, type SignInResult } from '@portcullis/next/client';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useActionState, useState, type FormEvent } from 'react';
import { RecoveryCodeList } from '../../account/security/recovery-code-list';
import { TotpSecret } from '../../totp-secret';
import { confirmTotp, passkeyOptions, registerPasskey, startTotp } from './actions';

function Problem({ message }: { message: string | null }) {
  return message ? (
    <p className="alert" role="alert">
      {message}
    </p>
  ) : null;
}

function actionProblem(state: ActionResult<unknown> | null): string | null {
  if (!state || state.ok) return null;
  return state.error === 'mfa_expired' ? 'This sign-in took too long. Please sign in again.' : state.message;
}

/**
 * Sets up the first second factor, then finishes the sign-in with it (OWASP ASVS 5.0 §6.3.3): an authenticator app
 * (confirmed by one code; the sign-in then takes the app's next code, since a code works once only, RFC 6238 §5.2) or a
 * passkey of this device (WebAuthn L3, user verification required).
 */
export function EnrolmentForm({ callbackPath, alreadyEnrolled }: { callbackPath: string; alreadyEnrolled: boolean }) {
  const [started, start, starting] = useActionState(startTotp, null);
  const [confirmed, confirm, confirming] = useActionState(confirmTotp, null);
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  function follow(result: SignInResult): void {
    if (result.ok) {
      // A full navigation, so the first page renders through the proxy with the new session cookie.
      window.location.assign(result.url);
      return;
    }
    setPending(false);
    if (result.problem.code === 'mfa_expired') {
      // The factor is set up but this sign-in is over: the next one asks for the password and then the new factor.
      window.location.assign(`/signin?enrolled=1&callbackUrl=${encodeURIComponent(callbackPath)}`);
      return;
    }
    setMessage(signInErrorMessage(result.problem));
  }

  async function enrolPasskey(): Promise<void> {
    setPending(true);
    setMessage(null);
    const options = await passkeyOptions({});
    if (!options.ok) {
      setPending(false);
      return setMessage(actionProblem(options));
    }
    const created = await createPasskey(JSON.parse(options.data.optionsJSON) as PublicKeyCredentialCreationOptionsJSON);
    if (!created.ok) {
      setPending(false);
      return setMessage('No passkey was created. Try again, or set up an authenticator app.');
    }
    const registered = await registerPasskey({ name: 'Passkey', response: created.json });
    if (!registered.ok) {
      setPending(false);
      return setMessage(actionProblem(registered));
    }
    follow(await finishSignInWithPasskey({ callbackPath }));
  }

  function onFinish(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code') ?? '');
    setPending(true);
    setMessage(null);
    void finishSignInWithCode({ code, callbackPath }).then(follow);
  }

  if (alreadyEnrolled || confirmed?.ok) {
    return (
      <section aria-label="Finish signing in" className="stack">
        {confirmed?.ok ? (
          <>
            <p role="status">Your authenticator app is set up.</p>
            <RecoveryCodeList codes={confirmed.data.recoveryCodes} />
          </>
        ) : null}
        <Problem message={message} />
        <form className="stack" onSubmit={onFinish}>
          <label>
            Next code from your authenticator app
            <input name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,7}" maxLength={7} required />
          </label>
          <button type="submit" disabled={pending}>
            Continue
          </button>
        </form>
      </section>
    );
  }

  return (
    <div className="stack">
      <p>Your account needs a second factor before you can sign in. Choose one; it takes a minute.</p>
      <Problem message={message ?? actionProblem(started) ?? actionProblem(confirmed)} />
      <section aria-labelledby="enrol-passkey" className="stack">
        <h2 id="enrol-passkey">A passkey on this device</h2>
        <p>Your fingerprint, face or screen lock confirms it is you. Nothing to type, nothing to phish.</p>
        <button type="button" onClick={() => void enrolPasskey()} disabled={pending}>
          Use a passkey
        </button>
      </section>
      <section aria-labelledby="enrol-totp" className="stack">
        <h2 id="enrol-totp">An authenticator app</h2>
        {started?.ok ? (
          <>
            <TotpSecret qrCode={started.data.qrCode} secret={started.data.secret} />
            <form action={confirm} className="stack">
              <label>
                Code from the app
                <input name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required />
              </label>
              <button type="submit" disabled={confirming}>
                Turn on
              </button>
            </form>
          </>
        ) : (
          <form action={start}>
            <button type="submit" disabled={starting}>
              Set up an authenticator app
            </button>
          </form>
        )}
      </section>
    </div>
  );
}
