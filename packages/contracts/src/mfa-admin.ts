import { z } from 'zod';

/** Body of `PUT /v1/users/:id/mfa-required`: an admin requires a second factor of one user, whatever their role. */
export const mfaRequirementBodySchema = z.strictObject({ required: z.boolean() });
export type MfaRequirementBody = z.infer<typeof mfaRequirementBodySchema>;

/** Answer of `POST /v1/users/:id/mfa/reset`: what was removed, and how many sessions of the user ended with it. */
export const mfaResetSchema = z.object({
  removed: z.object({
    totp: z.boolean(),
    passkeys: z.number().int().nonnegative(),
    recoveryCodes: z.number().int().nonnegative(),
  }),
  revokedSessions: z.number().int().nonnegative(),
});
export type MfaReset = z.infer<typeof mfaResetSchema>;
