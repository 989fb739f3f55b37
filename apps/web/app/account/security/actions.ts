'use server';

import { passkeyNameSchema, registrationResponseSchema, totpCodeSchema } from '@portcullis/contracts';
import type { ActionResult } from '@portcullis/next';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { auth } from '../../../lib/auth';
import { jsonText } from '../../../lib/json-input';
import * as mfa from '../../../lib/mfa-data';

// Every change here is a public POST endpoint guarded like the others (origin, session, scope); the service asks for a
// recent authentication before any change to a factor (OWASP ASVS 5.0 §6.4.3), which comes back as `step_up_required`
// and the page runs the step-up popup.
const own = { scope: 'sessions:manage' } as const;
const nothing = z.object({});

export async function startTotp(previous: ActionResult<mfa.TotpEnrolment> | null, form: FormData): Promise<ActionResult<mfa.TotpEnrolment>> {
  const action = auth().protectedAction({ ...own, resource: 'action:mfa.totp.start', input: nothing }, async ({ accessToken }) => mfa.startTotpEnrolment(accessToken));
  return action(previous, form);
}

export async function confirmTotp(previous: ActionResult<{ recoveryCodes: string[] }> | null, form: FormData): Promise<ActionResult<{ recoveryCodes: string[] }>> {
  const action = auth().protectedAction({ ...own, resource: 'action:mfa.totp.confirm', input: z.object({ code: totpCodeSchema }) }, async ({ accessToken }, { code }) => {
    const recoveryCodes = await mfa.confirmTotp(accessToken, code);
    revalidatePath('/account/security');
    return { recoveryCodes };
  });
  return action(previous, form);
}

export async function removeTotp(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().protectedAction({ ...own, resource: 'action:mfa.totp.remove', input: nothing }, async ({ accessToken }) => {
    await mfa.removeTotp(accessToken);
    revalidatePath('/account/security');
    return null;
  });
  return action(previous, form);
}

export async function regenerateRecoveryCodes(
  previous: ActionResult<{ recoveryCodes: string[] }> | null,
  form: FormData,
): Promise<ActionResult<{ recoveryCodes: string[] }>> {
  const action = auth().protectedAction({ ...own, resource: 'action:mfa.recoveryCodes.regenerate', input: nothing }, async ({ accessToken }) => {
    const recoveryCodes = await mfa.regenerateRecoveryCodes(accessToken);
    revalidatePath('/account/security');
    return { recoveryCodes };
  });
  return action(previous, form);
}

/** Creation options for a new passkey; the browser then asks the authenticator (WebAuthn L3 §5.1.3). */
export async function passkeyOptions(input: Record<string, never>): Promise<ActionResult<{ optionsJSON: string }>> {
  const action = auth().protectedAction({ ...own, resource: 'action:passkeys.options', input: nothing }, async ({ accessToken }) => ({
    optionsJSON: JSON.stringify(await mfa.passkeyRegistrationOptions(accessToken)),
  }));
  return action(input);
}

// The authenticator's answer travels as the JSON text the browser made; parsed here against the bounded contract.
const registrationInput = z.object({ name: passkeyNameSchema, response: jsonText(registrationResponseSchema) });

export async function addPasskey(input: z.input<typeof registrationInput>): Promise<ActionResult<null>> {
  const action = auth().protectedAction({ ...own, resource: 'action:passkeys.register', input: registrationInput }, async ({ accessToken }, body) => {
    await mfa.registerPasskey(accessToken, body);
    revalidatePath('/account/security');
    return null;
  });
  return action(input);
}

export async function removePasskey(previous: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const action = auth().protectedAction(
    { ...own, resource: 'action:passkeys.remove', input: z.object({ id: z.string().min(1).max(200) }) },
    async ({ accessToken }, { id }) => {
      await mfa.removePasskey(accessToken, id);
      revalidatePath('/account/security');
      return null;
    },
  );
  return action(previous, form);
}
