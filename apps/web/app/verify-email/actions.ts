'use server';

import type { ActionResult } from '@portcullis/next';
import { z } from 'zod';
import { accountEmailInput, linkTokenSchema } from '../../lib/account-inputs';
import { auth } from '../../lib/auth';

const tokenInput = z.object({ token: linkTokenSchema });

/** Spends the verification link: from now on the account can sign in. */
export async function verifyEmail(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:accounts.verifyEmail', input: tokenInput }, async ({ token }) => {
    await auth().accounts.verifyEmail({ token });
    return null;
  });
  return action(previous, form);
}

/** Mails the verification link again; the same answer for every address, throttled by the user-service. */
export async function resendVerification(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:accounts.resendVerification', input: accountEmailInput }, async ({ email }) => {
    await auth().accounts.resendVerification({ email });
    return null;
  });
  return action(previous, form);
}
