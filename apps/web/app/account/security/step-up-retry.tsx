'use client';

import type { ActionResult } from '@portcullis/next';
import { StepUpPrompt } from '../../admin/step-up-prompt';

/**
 * What a change on this page came back with, when it did not go through: the step-up popup when the service asked for a
 * recent authentication (RFC 9470), the change then sent again; otherwise the refusal's words.
 */
export function ChangeProblem({ state, appOrigin, retry }: { state: ActionResult<unknown> | null; appOrigin: string; retry: () => void }) {
  if (!state || state.ok) return null;
  if (state.error === 'step_up_required') {
    return <StepUpPrompt appOrigin={appOrigin} onConfirmed={retry} prompt="Confirm it is you to continue." label="Confirm it is you" />;
  }
  return (
    <p className="alert" role="alert">
      {state.message}
    </p>
  );
}
