'use server';

import type { ActionResult } from '@portcullis/next';
import { z } from 'zod';
import { linkTokenSchema, newPasswordFields, passwordsMatch } from '../../lib/account-inputs';
import { auth } from '../../lib/auth';

const resetInput = z.object({ token: linkTokenSchema, ...newPasswordFields }).refine(passwordsMatch, { path: ['confirmPassword'] });

/** Spends the reset link on a new password; the user-service then ends every session of the account (docs/accounts.md). */
export async function resetPassword(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:accounts.resetPassword', input: resetInput }, async ({ token, password }) => {
    await auth().accounts.resetPassword({ token, password });
    return null;
  });
  return action(previous, form);
}
