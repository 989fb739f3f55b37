'use client';

import { ROLES, type AdminUser } from '@portcullis/contracts';
import { changeRole, revokeAllSessions, setDisabled } from './actions';
import { StepUpPrompt } from './step-up-prompt';
import { useRetryableAction } from './use-retryable-action';

export function UserRow({ user, appOrigin }: { user: AdminUser; appOrigin: string }) {
  const role = useRetryableAction(changeRole);
  const disable = useRetryableAction(setDisabled);
  const revoke = useRetryableAction(revokeAllSessions);
  const actions = [role, disable, revoke];
  // An action refused for a stale password check waits for the step-up, then is sent again.
  const waitingForStepUp = actions.find((action) => action.state?.ok === false && action.state.error === 'step_up_required');
  const failure = actions.map((action) => action.state).find((state) => state && !state.ok && state.error !== 'step_up_required');
  return (
    <tr data-user-email={user.email}>
      <td>{user.email}</td>
      <td>{user.name}</td>
      <td>
        <form action={role.formAction} className="inline">
          <input type="hidden" name="userId" value={user.id} />
          <select name="role" defaultValue={user.role} aria-label={`Role of ${user.email}`}>
            {ROLES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <button type="submit" disabled={role.pending}>
            Change role
          </button>
        </form>
      </td>
      <td>
        <form action={disable.formAction} className="inline">
          <input type="hidden" name="userId" value={user.id} />
          <input type="hidden" name="disabled" value={user.disabled ? 'false' : 'true'} />
          <button type="submit" disabled={disable.pending}>
            {user.disabled ? 'Enable' : 'Disable'}
          </button>
        </form>
        <form action={revoke.formAction} className="inline">
          <input type="hidden" name="userId" value={user.id} />
          <button type="submit" disabled={revoke.pending}>
            Revoke all sessions
          </button>
        </form>
        {revoke.state?.ok ? <span role="status">Ended {revoke.state.data.revoked} session(s).</span> : null}
        {waitingForStepUp ? <StepUpPrompt appOrigin={appOrigin} onConfirmed={waitingForStepUp.retry} /> : null}
        {failure && !failure.ok ? <span role="alert">{failure.message}</span> : null}
      </td>
    </tr>
  );
}
