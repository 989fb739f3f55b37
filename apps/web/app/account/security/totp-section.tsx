'use client';

import { useRetryableAction } from '../../admin/use-retryable-action';
import { TotpSecret } from '../../totp-secret';
import { confirmTotp, removeTotp, startTotp } from './actions';
import { RecoveryCodeList } from './recovery-code-list';
import { ChangeProblem } from './step-up-retry';

/**
 * An authenticator app (TOTP, RFC 6238): a new secret as a QR code and as text, turned on by one code from the app, which
 * also brings the first recovery codes.
 */
export function TotpSection({ enrolled, appOrigin }: { enrolled: boolean; appOrigin: string }) {
  const start = useRetryableAction(startTotp);
  const confirm = useRetryableAction(confirmTotp);
  const remove = useRetryableAction(removeTotp);
  const enrolment = start.state?.ok ? start.state.data : null;
  const recoveryCodes = confirm.state?.ok ? confirm.state.data.recoveryCodes : null;

  return (
    <section aria-labelledby="totp-heading" className="stack">
      <h2 id="totp-heading">Authenticator app</h2>
      {recoveryCodes ? (
        <>
          <p role="status">Your authenticator app is set up.</p>
          <RecoveryCodeList codes={recoveryCodes} />
        </>
      ) : enrolled ? (
        <>
          <p>An authenticator app gives you a code each time you sign in.</p>
          <form action={remove.formAction}>
            <button type="submit" disabled={remove.pending}>
              Remove authenticator app
            </button>
          </form>
          <ChangeProblem state={remove.state} appOrigin={appOrigin} retry={remove.retry} />
        </>
      ) : enrolment ? (
        <>
          <TotpSecret qrCode={enrolment.qrCode} secret={enrolment.secret} />
          <form action={confirm.formAction} className="stack">
            <label>
              Code from the app
              <input name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required />
            </label>
            <button type="submit" disabled={confirm.pending}>
              Turn on
            </button>
          </form>
          <ChangeProblem state={confirm.state} appOrigin={appOrigin} retry={confirm.retry} />
        </>
      ) : (
        <>
          <p>Use an app such as Google Authenticator, Microsoft Authenticator or 1Password to get sign-in codes.</p>
          <form action={start.formAction}>
            <button type="submit" disabled={start.pending}>
              Set up an authenticator app
            </button>
          </form>
          <ChangeProblem state={start.state} appOrigin={appOrigin} retry={start.retry} />
        </>
      )}
    </section>
  );
}
