import { emailSchema, passwordSchema } from '@portcullis/contracts';
import { z } from 'zod';

/** The `?token=` of a link from a mail, as its page posts it back; the user-service decides whether it is good. */
export const linkTokenSchema = z.string().min(1).max(256);

/** Bounds the text a page will post at all; the shape of a good address is the user-service's to judge. */
export const accountEmailInput = z.object({ email: emailSchema });

/**
 * A new password typed twice. The second copy never leaves the app: it only catches a typo, which would otherwise lock
 * the person out of the account they are setting up.
 */
export const newPasswordFields = {
  password: passwordSchema,
  confirmPassword: z.string().max(1024),
};

export function passwordsMatch(input: { password: string; confirmPassword: string }): boolean {
  return input.password === input.confirmPassword;
}

/** A person's name as they give it (sign-up, invitation). */
export const personName = z.string().trim().min(1).max(100);
