'use server';

import type { ActionResult } from '@portcullis/next';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { auth } from '../../lib/auth';
import { change } from '../../lib/backend-data';

const revokeInput = z.object({ sessionId: z.string().min(1).max(200) });

/** Revokes one of the caller's devices; revoking the current one signs them out here too. */
export async function revokeSession(previous: ActionResult<{ revoked: string }> | null, form: FormData): Promise<ActionResult<{ revoked: string }>> {
  const action = auth().protectedAction(
    { scope: 'sessions:manage', resource: 'action:sessions.revoke', input: revokeInput },
    async ({ session, accessToken }, { sessionId }) => {
      await change('DELETE', `/v1/auth/sessions/${encodeURIComponent(sessionId)}`, accessToken);
      if (sessionId === session.sid) {
        await auth().forgetSession();
        redirect('/signin?signedOut=1');
      }
      revalidatePath('/sessions');
      return { revoked: sessionId };
    },
  );
  return action(previous, form);
}
