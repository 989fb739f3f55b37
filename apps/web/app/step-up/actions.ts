'use server';

import type { ActionResult } from '@portcullis/next';
import { z } from 'zod';
import { auth } from '../../lib/auth';

const passwordInput = z.object({ password: z.string().min(1).max(1024) });

/**
 * RFC 9470 step-up for the signed-in user's own session: the password goes to the user-service with the user's own
 * access token, server-side; the browser never holds a token. Throttled like sign-in.
 */
export async function confirmPassword(previous: ActionResult<{ confirmedAt: number }> | null, form: FormData): Promise<ActionResult<{ confirmedAt: number }>> {
  const action = auth().protectedAction({ resource: 'action:auth.stepUp', input: passwordInput }, async ({ accessToken }, { password }) => {
    const { stepUpAt } = await auth().stepUp({ accessToken, password });
    return { confirmedAt: stepUpAt };
  });
  return action(previous, form);
}
