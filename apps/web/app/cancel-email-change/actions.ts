'use server';

import type { ActionResult } from '@portcullis/next';
import { z } from 'zod';
import { linkTokenSchema } from '../../lib/account-inputs';
import { auth } from '../../lib/auth';

const tokenInput = z.object({ token: linkTokenSchema });

/**
 * Spends the link mailed to the old address: the change is undone, every session ends and the password stops working
 * until it is reset (the change may have been someone else's doing).
 */
export async function cancelEmailChange(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:accounts.cancelEmailChange', input: tokenInput }, async ({ token }) => {
    await auth().accounts.cancelEmailChange({ token });
    return null;
  });
  return action(previous, form);
}
