'use client';

import type { ActionResult } from '@portcullis/next';
import { sendApprovalResult, STEP_UP_REQUEST_ID } from '@portcullis/next/popup';
import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { useActionState, useEffect, useState } from 'react';
import { confirmWithCode, confirmWithPasskey, confirmWithRecoveryCode, passkeyStepUpOptions } from './actions';

type State = ActionResult<{ confirmedAt: number }> | null;

export interface StepUpFactors {
  passkey: boolean;
  totp: boolean;
  recoveryCode: boolean;
}

function problemText(result: State): string | null {
  if (!result || result.ok) return null;
  // One answer for a wrong, spent or foreign code or passkey: nothing tells a guesser which it was.
  if (result.error === 'invalid_mfa') return 'That was not accepted. Try again.';
  return result.message;
}

/**
 * The step-up popup of a user with a second factor: the strongest one they have first (a passkey, then the app's code,
 * then a recovery code); the password alone is not offered, the service refuses it for them (OWASP ASVS 5.0 §6.3.3).
 */
export function FactorStepUpForm({ email, state, appOrigin, factors }: { email: string; state: string; appOrigin: string; factors: StepUpFactors }) {
  const [codeResult, codeAction, codePending] = useActionState<State, FormData>(confirmWithCode, null);
  const [recoveryResult, recoveryAction, recoveryPending] = useActionState<State, FormData>(confirmWithRecoveryCode, null);
  const [passkeyResult, setPasskeyResult] = useState<State>(null);
  const [passkeyPending, setPasskeyPending] = useState(false);
  const confirmed = [codeResult, recoveryResult, passkeyResult].some((result) => result?.ok === true);

  useEffect(() => {
    // The outcome and the opener's own state only, to the configured app origin (RFC 9700 §4.17).
    if (confirmed) sendApprovalResult({ openerOrigin: appOrigin, requestId: STEP_UP_REQUEST_ID, state, result: 'approved' });
  }, [confirmed, appOrigin, state]);

  async function stepUpWithPasskey(): Promise<void> {
    setPasskeyPending(true);
    setPasskeyResult(null);
    try {
      const options = await passkeyStepUpOptions({});
      if (!options.ok) return setPasskeyResult(options);
      const optionsJSON = JSON.parse(options.data.optionsJSON) as PublicKeyCredentialRequestOptionsJSON;
      const assertion = await startAuthentication({ optionsJSON }).catch(() => null);
      if (assertion === null) return setPasskeyResult({ ok: false, error: 'invalid_input', message: 'No passkey was used. Try again, or use a code.' });
      setPasskeyResult(await confirmWithPasskey({ webauthn: JSON.stringify(assertion) }));
    } finally {
      setPasskeyPending(false);
    }
  }

  if (confirmed) {
    return (
      <p className="notice" role="status">
        Confirmed. You can close this window and try again.
      </p>
    );
  }

  return (
    <div className="stack">
      <p>
        Signed in as <strong>{email}</strong>. Confirm it is you to continue with the action.
      </p>
      {factors.passkey ? (
        <section aria-label="Passkey" className="stack">
          {problemText(passkeyResult) ? (
            <p className="alert" role="alert">
              {problemText(passkeyResult)}
            </p>
          ) : null}
          <button type="button" onClick={() => void stepUpWithPasskey()} disabled={passkeyPending}>
            Use a passkey
          </button>
        </section>
      ) : null}
      {factors.totp ? (
        <form action={codeAction} className="stack" aria-label="Authenticator app">
          {problemText(codeResult) ? (
            <p className="alert" role="alert">
              {problemText(codeResult)}
            </p>
          ) : null}
          <label>
            Code from your authenticator app
            <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required />
          </label>
          <button type="submit" disabled={codePending}>
            Confirm with code
          </button>
        </form>
      ) : null}
      {factors.recoveryCode ? (
        <details>
          <summary>Use a recovery code</summary>
          <form action={recoveryAction} className="stack" aria-label="Recovery code">
            {problemText(recoveryResult) ? (
              <p className="alert" role="alert">
                {problemText(recoveryResult)}
              </p>
            ) : null}
            <label>
              Recovery code
              <input name="recoveryCode" autoComplete="off" spellCheck={false} maxLength={11} required />
            </label>
            <button type="submit" disabled={recoveryPending}>
              Confirm with recovery code
            </button>
          </form>
        </details>
      ) : null}
    </div>
  );
}
