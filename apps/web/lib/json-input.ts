import { z } from 'zod';

/**
 * A form field or action argument holding JSON text (a WebAuthn response as the browser made it), parsed and then
 * checked against `schema`: bad text is an input error like any other, never a 500.
 */
export function jsonText<S extends z.ZodType>(schema: S, maxLength = 64_000) {
  return z
    .string()
    .max(maxLength)
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
