import type { z } from 'zod';
import { invalidRequest } from '../errors.js';

/** Validates untrusted input; the message names the fields but never echoes their values. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || what))];
  throw invalidRequest(`Invalid ${what}: check ${fields.join(', ')}.`);
}
