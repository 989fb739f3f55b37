'use server';

import type { ActionResult } from '@portcullis/next';
import { z } from 'zod';
import { linkTokenSchema } from '../../lib/account-inputs';
import { auth } from '../../lib/auth';

const tokenInput = z.object({ token: linkTokenSchema });

/** Spends the link mailed to the new address: the account's email changes to it. */
export async function confirmEmail(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:accounts.confirmEmail', input: tokenInput }, async ({ token }) => {
    await auth().accounts.confirmEmail({ token });
    return null;
  });
  return action(previous, form);
}
