'use server';

import type { ActionResult } from '@portcullis/next';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { auth } from '../../lib/auth';
import { revoke } from '../../lib/backend-data';

const revokeInput = z.object({ sessionId: z.string().min(1).max(200) });

/** Revokes one of the caller's sessions; revoking the current one ends the single sign-on session, so the portal signs out too. */
export async function revokeSession(previous: ActionResult<{ revoked: string }> | null, form: FormData): Promise<ActionResult<{ revoked: string }>> {
  const action = auth().protectedAction(
    { scope: 'sessions:manage', resource: 'action:sessions.revoke', input: revokeInput },
    async ({ session, accessToken }, { sessionId }) => {
      await revoke(sessionId, accessToken);
      if (sessionId === session.sid) {
        await auth().forgetSession();
        redirect('/signin?error=SessionExpired');
      }
      revalidatePath('/sessions');
      return { revoked: sessionId };
    },
  );
  return action(previous, form);
}
