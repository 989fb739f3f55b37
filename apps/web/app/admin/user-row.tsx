'use client';

import { ROLES, type AdminUser, type UserStatus } from '@portcullis/contracts';
import Link from 'next/link';
import { changeRole, forcePasswordReset, resendInvitation, revokeAllSessions, setDisabled } from './actions';
import { StepUpPrompt } from './step-up-prompt';
import { useRetryableAction } from './use-retryable-action';

const STATUS_LABELS: Readonly<Record<UserStatus, string>> = {
  invited: 'Invited',
  unverified: 'Email not verified',
  active: 'Active',
  disabled: 'Disabled',
};

export function UserRow({ user, appOrigin, isSelf }: { user: AdminUser; appOrigin: string; isSelf: boolean }) {
  const role = useRetryableAction(changeRole);
  const disable = useRetryableAction(setDisabled);
  const revoke = useRetryableAction(revokeAllSessions);
  const resend = useRetryableAction(resendInvitation);
  const reset = useRetryableAction(forcePasswordReset);
  const actions = [role, disable, revoke, resend, reset];
  // An action refused for a stale password check waits for the step-up, then is sent again.
  const waitingForStepUp = actions.find((action) => action.state?.ok === false && action.state.error === 'step_up_required');
  const failure = actions.map((action) => action.state).find((state) => state && !state.ok && state.error !== 'step_up_required');
  // The service refuses a reset of an invitation not yet accepted, of a disabled account, and of one's own.
  const canForceReset = !isSelf && (user.status === 'active' || user.status === 'unverified');
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
      <td data-status={user.status}>{STATUS_LABELS[user.status]}</td>
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
        {user.status === 'invited' ? (
          <form action={resend.formAction} className="inline">
            <input type="hidden" name="userId" value={user.id} />
            <button type="submit" disabled={resend.pending}>
              Resend invitation
            </button>
          </form>
        ) : null}
        {canForceReset ? (
          <form action={reset.formAction} className="inline">
            <input type="hidden" name="userId" value={user.id} />
            <button type="submit" disabled={reset.pending}>
              Force password reset
            </button>
          </form>
        ) : null}{' '}
        <Link href={`/admin/users/${encodeURIComponent(user.id)}`}>Security events</Link>
        {revoke.state?.ok ? <span role="status">Ended {revoke.state.data.revoked} session(s).</span> : null}
        {resend.state?.ok ? <span role="status">Invitation sent again.</span> : null}
        {reset.state?.ok ? <span role="status">Reset link sent; ended {reset.state.data.revoked} session(s).</span> : null}
        {waitingForStepUp ? <StepUpPrompt appOrigin={appOrigin} onConfirmed={waitingForStepUp.retry} /> : null}
        {failure && !failure.ok ? <span role="alert">{failure.message}</span> : null}
      </td>
    </tr>
  );
}
