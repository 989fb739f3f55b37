'use server';

import type { ActionResult } from '@portcullis/next';
import { emailSchema, passwordSchema } from '@portcullis/contracts';
import { z } from 'zod';
import { passwordsMatch } from '../../lib/account-inputs';
import { auth } from '../../lib/auth';

const passwordChangeInput = z
  .object({ currentPassword: passwordSchema, password: passwordSchema, confirmPassword: z.string().max(1024) })
  .refine(passwordsMatch, { path: ['confirmPassword'] });

const emailChangeInput = z.object({ newEmail: emailSchema, password: passwordSchema });

/**
 * A new password for the signed-in user, with the current one (OWASP ASVS 5.0 §6.2.3). The user-service ends every
 * other session of the account and keeps this one, so the person stays signed in here.
 */
export async function changePassword(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().protectedAction(
    { scope: 'sessions:manage', resource: 'action:account.changePassword', input: passwordChangeInput },
    async ({ accessToken }, { currentPassword, password }) => {
      await auth().myAccount.changePassword({ accessToken, currentPassword, newPassword: password });
      return null;
    },
  );
  return action(previous, form);
}

/** Asks to move the account to another address; nothing changes until the link mailed there is followed. */
export async function changeEmail(previous: ActionResult<{ newEmail: string }> | null, form: FormData): Promise<ActionResult<{ newEmail: string }>> {
  const action = auth().protectedAction(
    { scope: 'sessions:manage', resource: 'action:account.changeEmail', input: emailChangeInput },
    async ({ accessToken }, { newEmail, password }) => {
      await auth().myAccount.changeEmail({ accessToken, newEmail, password });
      return { newEmail };
    },
  );
  return action(previous, form);
}
