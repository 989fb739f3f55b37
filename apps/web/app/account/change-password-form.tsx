'use client';

import type { ActionResult } from '@portcullis/next';
import { useActionState } from 'react';
import { NewPasswordFields } from '../new-password-fields';
import { changePassword } from './actions';
import { PasswordProblem } from './password-problem';

export function ChangePasswordForm() {
  const [result, action, pending] = useActionState<ActionResult<null> | null, FormData>(changePassword, null);
  return (
    <form action={action} className="stack" aria-labelledby="change-password-heading">
      <h2 id="change-password-heading">Change your password</h2>
      {result?.ok ? (
        <p className="notice" role="status">
          Your password is changed. Every other device signed in to your account has been signed out; this one stays signed in.
        </p>
      ) : (
        <PasswordProblem result={result} />
      )}
      <label>
        Current password
        <input name="currentPassword" type="password" autoComplete="current-password" maxLength={1024} required />
      </label>
      <NewPasswordFields />
      <button type="submit" disabled={pending}>
        Change the password
      </button>
    </form>
  );
}
