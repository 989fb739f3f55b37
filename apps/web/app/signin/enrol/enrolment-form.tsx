'use client';

import type { ActionResult } from '@portcullis/next';
import { createPasskey } from '@portcullis/next/client';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useActionState, useState } from 'react';
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
 * Sets up the first second factor (OWASP ASVS 5.0 §6.3.3): an authenticator app (confirmed by one code, then ten
 * recovery codes shown once) or a passkey of this device (WebAuthn L3, user verification required); then the person
 * signs in with the password and the new factor.
 */
export function EnrolmentForm({ callbackPath, alreadyEnrolled }: { callbackPath: string; alreadyEnrolled: boolean }) {
  const [started, start, starting] = useActionState(startTotp, null);
  const [confirmed, confirm, confirming] = useActionState(confirmTotp, null);
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  // The service spends the pending sign-in when it confirms the first factor, so the person signs in again: the
  // password, then the factor just set up — which proves it works before the recovery codes are all they have.
  const signInAgain = `/signin?enrolled=1&callbackUrl=${encodeURIComponent(callbackPath)}`;

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
    window.location.assign(signInAgain);
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
        <p>Now sign in with your password and your new second factor.</p>
        <a href={signInAgain}>Continue to sign in</a>
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
