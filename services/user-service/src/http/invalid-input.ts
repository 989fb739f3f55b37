import type { FastifyError, FastifySchemaValidationError } from 'fastify';
import { invalidRequest, type ApiError } from '../errors.js';

/** How a refusal names the part of the request: the words callers have always been answered with. */
/** Which part of the request failed: body, params, querystring or headers. */
type SchemaErrorDataVar = NonNullable<FastifyError['validationContext']>;

const PART_NAMES: Readonly<Record<SchemaErrorDataVar, string>> = { body: 'body', params: 'path', querystring: 'query', headers: 'headers' };

/**
 * The answer to input that fails its route's schema: 400 `invalid_request` naming the fields, never echoing their
 * values (a value may be a password or a token). Installed as Fastify's `schemaErrorFormatter`.
 */
export function invalidInput(errors: readonly FastifySchemaValidationError[], part: SchemaErrorDataVar): ApiError {
  const what = PART_NAMES[part];
  const fields = [...new Set(errors.map((error) => error.instancePath.split('/').filter(Boolean).join('.') || what))];
  return invalidRequest(`Invalid ${what}: check ${fields.join(', ')}.`);
}
