'use server';

import type { ActionResult } from '@portcullis/next';
import { accountEmailInput } from '../../lib/account-inputs';
import { auth } from '../../lib/auth';

/** Asks for a reset link; the answer is the same whether or not the address has an account (ASVS 5.0 §6.3.8). */
export async function requestPasswordReset(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:accounts.forgotPassword', input: accountEmailInput }, async ({ email }) => {
    await auth().accounts.forgotPassword({ email });
    return null;
  });
  return action(previous, form);
}
