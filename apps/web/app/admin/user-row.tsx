'use client';

import { ROLES, type AdminUser } from '@portcullis/contracts';
import type { ActionResult } from '@portcullis/next';
import { useActionState } from 'react';
import { changeRole, setDisabled } from './actions';

type State = ActionResult<{ userId: string }> | null;

export function UserRow({ user }: { user: AdminUser }) {
  const [roleState, roleAction, rolePending] = useActionState<State, FormData>(changeRole, null);
  const [disableState, disableAction, disablePending] = useActionState<State, FormData>(setDisabled, null);
  const failure = [roleState, disableState].find((state) => state && !state.ok);
  return (
    <tr data-user-email={user.email}>
      <td>{user.email}</td>
      <td>{user.name}</td>
      <td>
        <form action={roleAction} className="inline">
          <input type="hidden" name="userId" value={user.id} />
          <select name="role" defaultValue={user.role} aria-label={`Role of ${user.email}`}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
          <button type="submit" disabled={rolePending}>
            Change role
          </button>
        </form>
      </td>
      <td>
        <form action={disableAction} className="inline">
          <input type="hidden" name="userId" value={user.id} />
          <input type="hidden" name="disabled" value={user.disabled ? 'false' : 'true'} />
          <button type="submit" disabled={disablePending}>
            {user.disabled ? 'Enable' : 'Disable'}
          </button>
        </form>
        {failure && !failure.ok ? <span role="alert">{failure.message}</span> : null}
      </td>
    </tr>
  );
}
