'use server';

import { emailSchema } from '@portcullis/contracts';
import type { ActionResult } from '@portcullis/next';
import { z } from 'zod';
import { newPasswordFields, passwordsMatch, personName } from '../../lib/account-inputs';
import { auth } from '../../lib/auth';

// No role field: whoever signs up gets the service's default role, never one they choose.
const signUpInput = z.object({ email: emailSchema, name: personName, ...newPasswordFields }).refine(passwordsMatch, { path: ['confirmPassword'] });

/** Open sign-up: always "check your inbox", whether the address was new or already had an account (ASVS 5.0 §6.3.8). */
export async function signUp(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:accounts.signUp', input: signUpInput }, async ({ email, name, password }) => {
    await auth().accounts.signUp({ email, name, password });
    return null;
  });
  return action(previous, form);
}
