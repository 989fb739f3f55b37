'use server';

import { passkeyNameSchema, registrationResponseSchema, totpCodeSchema } from '@portcullis/contracts';
import type { ActionResult } from '@portcullis/next';
import { z } from 'zod';
import { auth } from '../../../lib/auth';
import { jsonText } from '../../../lib/json-input';
import { withQrCode, type TotpEnrolment } from '../../../lib/mfa-data';

// Before any session: these actions prove nothing by themselves. The library reads the pending sign-in from its sealed
// httpOnly cookie and calls the service with that mfaToken, which enrols a factor and nothing else (OWASP ASVS 5.0
// §6.3.3); without a pending enrolment they answer `mfa_expired`.

export async function startTotp(previous: ActionResult<TotpEnrolment> | null, form: FormData): Promise<ActionResult<TotpEnrolment>> {
  const action = auth().publicAction({ resource: 'action:enrolment.totp.start', input: z.object({}) }, async () => withQrCode(await auth().mfaEnrolment.startTotp()));
  return action(previous, form);
}

export async function confirmTotp(previous: ActionResult<{ recoveryCodes: string[] }> | null, form: FormData): Promise<ActionResult<{ recoveryCodes: string[] }>> {
  const action = auth().publicAction({ resource: 'action:enrolment.totp.confirm', input: z.object({ code: totpCodeSchema }) }, async ({ code }) => ({
    recoveryCodes: await auth().mfaEnrolment.confirmTotp(code),
  }));
  return action(previous, form);
}

/** Creation options for the first passkey of a user who must enrol (WebAuthn L3 §5.4). */
export async function passkeyOptions(input: Record<string, never>): Promise<ActionResult<{ optionsJSON: string }>> {
  const action = auth().publicAction({ resource: 'action:enrolment.passkey.options', input: z.object({}) }, async () => ({
    optionsJSON: JSON.stringify(await auth().mfaEnrolment.passkeyRegistrationOptions()),
  }));
  return action(input);
}

const registrationInput = z.object({ name: passkeyNameSchema, response: jsonText(registrationResponseSchema) });

export async function registerPasskey(input: z.input<typeof registrationInput>): Promise<ActionResult<null>> {
  const action = auth().publicAction({ resource: 'action:enrolment.passkey.register', input: registrationInput }, async ({ name, response }) => {
    await auth().mfaEnrolment.registerPasskey({ name, response });
    return null;
  });
  return action(input);
}
