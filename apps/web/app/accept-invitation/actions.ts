'use server';

import type { ActionResult } from '@portcullis/next';
import { z } from 'zod';
import { linkTokenSchema, newPasswordFields, passwordsMatch, personName } from '../../lib/account-inputs';
import { auth } from '../../lib/auth';

const acceptInput = z.object({ token: linkTokenSchema, name: personName, ...newPasswordFields }).refine(passwordsMatch, { path: ['confirmPassword'] });

/** Answers an invitation: the invitee's name and first password; the mailed link proved the address. */
export async function acceptInvitation(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:accounts.acceptInvitation', input: acceptInput }, async ({ token, name, password }) => {
    await auth().accounts.acceptInvitation({ token, name, password });
    return null;
  });
  return action(previous, form);
}
