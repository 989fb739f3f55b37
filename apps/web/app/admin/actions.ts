'use server';

import { emailSchema, forcedPasswordResetSchema, ROLES, type AdminUser } from '@portcullis/contracts';
import { BackendUnavailableError, type ActionResult } from '@portcullis/next';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { adminOnly } from '../../lib/admin-guard';
import { auth } from '../../lib/auth';
import { change } from '../../lib/backend-data';
import { resetFactorsOf, setMfaRequired } from '../../lib/mfa-data';

type Changed = { userId: string };

const changeRoleInput = z.object({ userId: z.string().min(1).max(200), role: z.enum(ROLES) });
const setDisabledInput = z.object({ userId: z.string().min(1).max(200), disabled: z.enum(['true', 'false']).transform((v) => v === 'true') });

// Every action is a public POST endpoint: the wrapper checks origin, ADMIN role, scope and, where admins must have one,
// a multi-factor session (denials are audited) before the input is even parsed. The backend checks role and scope again, and asks for a recent
// password check: a stale one comes back as `step_up_required` (RFC 9470), and the page runs the step-up popup.

export async function changeRole(previous: ActionResult<Changed> | null, form: FormData): Promise<ActionResult<Changed>> {
  const action = auth().protectedAction({ ...adminOnly(), resource: 'action:users.changeRole', input: changeRoleInput }, async ({ accessToken }, { userId, role }) => {
    await change('PATCH', `/v1/users/${encodeURIComponent(userId)}`, accessToken, { role } satisfies Partial<AdminUser>);
    revalidatePath('/admin');
    return { userId };
  });
  return action(previous, form);
}

export async function setDisabled(previous: ActionResult<Changed> | null, form: FormData): Promise<ActionResult<Changed>> {
  const action = auth().protectedAction(
    { ...adminOnly(), resource: 'action:users.setDisabled', input: setDisabledInput },
    async ({ accessToken }, { userId, disabled }) => {
      await change('PATCH', `/v1/users/${encodeURIComponent(userId)}`, accessToken, { disabled } satisfies Partial<AdminUser>);
      revalidatePath('/admin');
      return { userId };
    },
  );
  return action(previous, form);
}

const revokeSessionsInput = z.object({ userId: z.string().min(1).max(200) });
const revokedAnswer = z.object({ revoked: z.number().int().min(0) });

/** Ends every session of another user (lost device, suspected compromise). */
export async function revokeAllSessions(
  previous: ActionResult<{ userId: string; revoked: number }> | null,
  form: FormData,
): Promise<ActionResult<{ userId: string; revoked: number }>> {
  const action = auth().protectedAction({ ...adminOnly(), resource: 'action:users.revokeSessions', input: revokeSessionsInput }, async ({ accessToken }, { userId }) => {
    const answer = revokedAnswer.safeParse(await change('DELETE', `/v1/users/${encodeURIComponent(userId)}/sessions`, accessToken));
    if (!answer.success) throw new BackendUnavailableError();
    return { userId, revoked: answer.data.revoked };
  });
  return action(previous, form);
}

const userIdInput = z.object({ userId: z.string().min(1).max(200) });
const inviteInput = z.object({ email: emailSchema, role: z.enum(ROLES) });
const invitedAnswer = z.object({ id: z.string() });

/** Invites an address (`POST /v1/users/invitations`): the invitee gets a mail with a link to set their password. */
export async function inviteUser(previous: ActionResult<{ email: string }> | null, form: FormData): Promise<ActionResult<{ email: string }>> {
  const action = auth().protectedAction({ ...adminOnly(), resource: 'action:users.invite', input: inviteInput }, async ({ accessToken }, { email, role }) => {
    const answer = invitedAnswer.safeParse(await change('POST', '/v1/users/invitations', accessToken, { email, role }));
    if (!answer.success) throw new BackendUnavailableError();
    revalidatePath('/admin');
    return { email };
  });
  return action(previous, form);
}

/** Mails an invited user a new link; the one sent before stops working. */
export async function resendInvitation(previous: ActionResult<Changed> | null, form: FormData): Promise<ActionResult<Changed>> {
  const action = auth().protectedAction({ ...adminOnly(), resource: 'action:users.resendInvitation', input: userIdInput }, async ({ accessToken }, { userId }) => {
    await change('POST', `/v1/users/${encodeURIComponent(userId)}/invitation/resend`, accessToken);
    return { userId };
  });
  return action(previous, form);
}

/** Forces a password reset: the old password stops working, a reset link is mailed, every session of the user ends. */
export async function forcePasswordReset(
  previous: ActionResult<{ userId: string; revoked: number }> | null,
  form: FormData,
): Promise<ActionResult<{ userId: string; revoked: number }>> {
  const action = auth().protectedAction({ ...adminOnly(), resource: 'action:users.forcePasswordReset', input: userIdInput }, async ({ accessToken }, { userId }) => {
    const answer = forcedPasswordResetSchema.safeParse(await change('POST', `/v1/users/${encodeURIComponent(userId)}/password-reset`, accessToken));
    if (!answer.success) throw new BackendUnavailableError();
    return { userId, revoked: answer.data.revokedSessions };
  });
  return action(previous, form);
}

/** Removes every second factor of a user (all lost): they enrol again at their next sign-in if one is required. */
export async function resetFactors(previous: ActionResult<Changed> | null, form: FormData): Promise<ActionResult<Changed>> {
  const action = auth().protectedAction({ ...adminOnly(), resource: 'action:users.resetFactors', input: userIdInput }, async ({ accessToken }, { userId }) => {
    await resetFactorsOf(accessToken, userId);
    revalidatePath(`/admin/users/${userId}`);
    return { userId };
  });
  return action(previous, form);
}

const mfaRequiredInput = z.object({ userId: z.string().min(1).max(200), required: z.enum(['true', 'false']).transform((v) => v === 'true') });

/** Requires a second factor of one user (OWASP ASVS 5.0 §6.3.3), or lifts that requirement. */
export async function requireMfa(previous: ActionResult<Changed> | null, form: FormData): Promise<ActionResult<Changed>> {
  const action = auth().protectedAction(
    { ...adminOnly(), resource: 'action:users.requireMfa', input: mfaRequiredInput },
    async ({ accessToken }, { userId, required }) => {
      await setMfaRequired(accessToken, userId, required);
      revalidatePath(`/admin/users/${userId}`);
      return { userId };
    },
  );
  return action(previous, form);
}
