'use client';

import { ROLES } from '@portcullis/contracts';
import { inviteUser } from './actions';
import { StepUpPrompt } from './step-up-prompt';
import { useRetryableAction } from './use-retryable-action';

/** Invites an address with a role; the invitee chooses their password from the mailed link. */
export function InviteForm({ appOrigin }: { appOrigin: string }) {
  const invite = useRetryableAction(inviteUser);
  const state = invite.state;
  return (
    <section aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite a user</h2>
      <form action={invite.formAction} className="inline">
        <label>
          Email <input type="email" name="email" required maxLength={254} autoComplete="off" />
        </label>
        <label>
          Role{' '}
          <select name="role" defaultValue="USER">
            {ROLES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={invite.pending}>
          Invite
        </button>
      </form>
      {state?.ok ? <p role="status">Invitation sent to {state.data.email}.</p> : null}
      {state && !state.ok && state.error === 'step_up_required' ? <StepUpPrompt appOrigin={appOrigin} onConfirmed={invite.retry} /> : null}
      {state && !state.ok && state.error !== 'step_up_required' ? <p role="alert">{state.message}</p> : null}
    </section>
  );
}
