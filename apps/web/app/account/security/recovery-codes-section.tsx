'use client';

import { useRetryableAction } from '../../admin/use-retryable-action';
import { regenerateRecoveryCodes } from './actions';
import { RecoveryCodeList } from './recovery-code-list';
import { ChangeProblem } from './step-up-retry';

/** Recovery codes: how many are left, and ten new ones on demand (the old ones stop working). */
export function RecoveryCodesSection({ left, appOrigin }: { left: number; appOrigin: string }) {
  const regenerate = useRetryableAction(regenerateRecoveryCodes);
  return (
    <section aria-labelledby="recovery-heading" className="stack">
      <h2 id="recovery-heading">Recovery codes</h2>
      <p>Sign in with a recovery code when you do not have your phone or passkey. {left} left.</p>
      {regenerate.state?.ok ? <RecoveryCodeList codes={regenerate.state.data.recoveryCodes} /> : null}
      <form action={regenerate.formAction}>
        <button type="submit" disabled={regenerate.pending}>
          Generate new recovery codes
        </button>
      </form>
      <ChangeProblem state={regenerate.state} appOrigin={appOrigin} retry={regenerate.retry} />
    </section>
  );
}
