'use server';

import type { ActionResult } from '@portcullis/next';
import { authenticationResponseSchema, recoveryCodeSchema, totpCodeSchema } from '@portcullis/contracts';
import { z } from 'zod';
import { auth } from '../../lib/auth';
import { jsonText } from '../../lib/json-input';
import { stepUpOptions, stepUpWithFactor } from '../../lib/mfa-data';

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

const codeInput = z.object({ totp: totpCodeSchema });
const recoveryCodeInput = z.object({ recoveryCode: recoveryCodeSchema });
const passkeyInput = z.object({ webauthn: jsonText(authenticationResponseSchema) });

/** Step-up with a code from the user's authenticator app (RFC 6238), checked and throttled by the service. */
export async function confirmWithCode(previous: ActionResult<{ confirmedAt: number }> | null, form: FormData): Promise<ActionResult<{ confirmedAt: number }>> {
  const action = auth().protectedAction({ resource: 'action:auth.stepUp', input: codeInput }, async ({ accessToken }, proof) => ({
    confirmedAt: (await stepUpWithFactor(accessToken, proof)).stepUpAt,
  }));
  return action(previous, form);
}

/** Step-up with one of the user's recovery codes, which is spent by it. */
export async function confirmWithRecoveryCode(previous: ActionResult<{ confirmedAt: number }> | null, form: FormData): Promise<ActionResult<{ confirmedAt: number }>> {
  const action = auth().protectedAction({ resource: 'action:auth.stepUp', input: recoveryCodeInput }, async ({ accessToken }, proof) => ({
    confirmedAt: (await stepUpWithFactor(accessToken, proof)).stepUpAt,
  }));
  return action(previous, form);
}

/** Request options for a step-up with a passkey, bound by the service to this session (WebAuthn L3 §13.4.3). */
export async function passkeyStepUpOptions(input: Record<string, never>): Promise<ActionResult<{ optionsJSON: string }>> {
  const action = auth().protectedAction({ resource: 'action:auth.stepUpOptions', input: z.object({}) }, async ({ accessToken }) => ({
    optionsJSON: JSON.stringify(await stepUpOptions(accessToken)),
  }));
  return action(input);
}

/** Step-up with a passkey assertion (user verification required by the service). */
export async function confirmWithPasskey(input: z.input<typeof passkeyInput>): Promise<ActionResult<{ confirmedAt: number }>> {
  const action = auth().protectedAction({ resource: 'action:auth.stepUp', input: passkeyInput }, async ({ accessToken }, proof) => ({
    confirmedAt: (await stepUpWithFactor(accessToken, proof)).stepUpAt,
  }));
  return action(input);
}
