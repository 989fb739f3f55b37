'use server';

import { ROLES, type AdminUser } from '@portcullis/contracts';
import type { ActionResult } from '@portcullis/next';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { auth } from '../../lib/auth';
import { change } from '../../lib/backend-data';

type Changed = { userId: string };

const changeRoleInput = z.object({ userId: z.string().min(1).max(200), role: z.enum(ROLES) });
const setDisabledInput = z.object({ userId: z.string().min(1).max(200), disabled: z.enum(['true', 'false']).transform((v) => v === 'true') });

// Both actions are public POST endpoints: the wrapper checks origin, ADMIN role and scope (denials are
// audited) before the input is even parsed. The backend checks role and scope again.
const adminOnly = { role: 'ADMIN', scope: 'users:admin' } as const;

export async function changeRole(previous: ActionResult<Changed> | null, form: FormData): Promise<ActionResult<Changed>> {
  const action = auth().protectedAction(
    { ...adminOnly, resource: 'action:users.changeRole', input: changeRoleInput },
    async ({ accessToken }, { userId, role }) => {
      await change('PATCH', `/v1/users/${encodeURIComponent(userId)}`, accessToken, { role } satisfies Partial<AdminUser>);
      revalidatePath('/admin');
      return { userId };
    },
  );
  return action(previous, form);
}

export async function setDisabled(previous: ActionResult<Changed> | null, form: FormData): Promise<ActionResult<Changed>> {
  const action = auth().protectedAction(
    { ...adminOnly, resource: 'action:users.setDisabled', input: setDisabledInput },
    async ({ accessToken }, { userId, disabled }) => {
      await change('PATCH', `/v1/users/${encodeURIComponent(userId)}`, accessToken, { disabled } satisfies Partial<AdminUser>);
      revalidatePath('/admin');
      return { userId };
    },
  );
  return action(previous, form);
}
