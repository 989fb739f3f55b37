import { z } from 'zod';

/** `GET /v1/me/mfa` and, per user, the admin directory: which factors there are, and whether one is required. */
export const mfaStatusSchema = z.object({
  totp: z.boolean(),
  passkeys: z.number().int().nonnegative(),
  recoveryCodesLeft: z.number().int().nonnegative(),
  /** A second factor is required of this user (by role or by an admin). */
  required: z.boolean(),
});
export type MfaStatus = z.infer<typeof mfaStatusSchema>;
