'use client';

import type { MfaStatus } from '@portcullis/contracts';
import { requireMfa, resetFactors } from '../../actions';
import { StepUpPrompt } from '../../step-up-prompt';
import { useRetryableAction } from '../../use-retryable-action';

/**
 * A user's second factors as an admin sees them, and the two things an admin does about them: require one of this user
 * whatever their role, and remove them all for a user who lost every factor (audited, the user is mailed; the admin
 * confirms it is them first).
 */
export function UserFactors({ userId, email, mfa, appOrigin }: { userId: string; email: string; mfa: MfaStatus | undefined; appOrigin: string }) {
  const reset = useRetryableAction(resetFactors);
  const requirement = useRetryableAction(requireMfa);
  const actions = [reset, requirement];
  const waitingForStepUp = actions.find((action) => action.state?.ok === false && action.state.error === 'step_up_required');
  const failure = actions.map((action) => action.state).find((state) => state && !state.ok && state.error !== 'step_up_required');
  return (
    <section aria-labelledby="factors-heading" className="stack">
      <h2 id="factors-heading">Second factors</h2>
      {mfa === undefined ? (
        <p>The service did not say which factors {email} has.</p>
      ) : (
        <dl aria-label={`Second factors of ${email}`}>
          <dt>Authenticator app</dt>
          <dd data-factor="totp">{mfa.totp ? 'Yes' : 'No'}</dd>
          <dt>Passkeys</dt>
          <dd data-factor="passkeys">{mfa.passkeys}</dd>
          <dt>Recovery codes left</dt>
          <dd data-factor="recovery-codes">{mfa.recoveryCodesLeft}</dd>
          <dt>Second factor required</dt>
          <dd data-factor="required">{mfa.required ? 'Yes' : 'No'}</dd>
        </dl>
      )}
      <form action={requirement.formAction} className="inline">
        <input type="hidden" name="userId" value={userId} />
        <input type="hidden" name="required" value={mfa?.required ? 'false' : 'true'} />
        <button type="submit" disabled={requirement.pending}>
          {mfa?.required ? 'Stop requiring MFA' : 'Require MFA'}
        </button>
      </form>
      <form action={reset.formAction} className="inline">
        <input type="hidden" name="userId" value={userId} />
        <button type="submit" disabled={reset.pending}>
          Reset factors
        </button>
      </form>
      {reset.state?.ok ? <p role="status">Every second factor of {email} was removed.</p> : null}
      {requirement.state?.ok ? <p role="status">Saved.</p> : null}
      {waitingForStepUp ? <StepUpPrompt appOrigin={appOrigin} onConfirmed={waitingForStepUp.retry} /> : null}
      {failure && !failure.ok ? <p role="alert">{failure.message}</p> : null}
    </section>
  );
}
