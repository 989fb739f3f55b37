import fc from 'fast-check';
import type { Operation } from './openapi-document.js';
import type { FuzzRequest, PooledValue, QueryValue, SecretUse } from './fuzz-request.js';
import { dereferenceSchema, jsonBodySchema } from './request-fields.js';
import { firstFitting, schemaArbitrary } from './schema-arbitrary.js';

export interface RequestGenerationOptions {
  /** The document the operation comes from (`$ref`s point into it). */
  readonly document: unknown;
  /** Who may send a request: identity names, e.g. `USER`, `ADMIN`, `anonymous`. */
  readonly identities: readonly string[];
  /** Secret headers (lower case) the target fills in when an operation declares them; never generated. */
  readonly secretHeaders: readonly string[];
  /** Headers an identity fills in (lower case, e.g. `authorization`); never generated. */
  readonly identityHeaders: readonly string[];
  /** Whether a valid value validates against a parameter's or the body's schema (filters what generation cannot promise). */
  readonly isValid: (pointer: string, value: unknown) => boolean;
}

/** A parameter value as it goes in a URL or header. */
function parameterText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? '';
}

/** An arbitrary of requests that follow the operation's declared schemas, sent by any of the identities. */
export function validRequest(operation: Operation, options: RequestGenerationOptions): fc.Arbitrary<FuzzRequest> {
  const skipped = new Set([...options.secretHeaders, ...options.identityHeaders]);
  const pathParams: Record<string, fc.Arbitrary<string | PooledValue>> = {};
  const query: Record<string, fc.Arbitrary<QueryValue>> = {};
  const headers: Record<string, fc.Arbitrary<string>> = {};
  const requiredQuery: string[] = [];
  const requiredHeaders: string[] = [];

  for (const parameter of operation.parameters) {
    const values = firstFitting(schemaArbitrary(parameter.schema, options), (value) => options.isValid(parameter.schemaPointer, value));
    if (parameter.in === 'path') {
      // Sometimes an id the API handed out, so an operation on an existing thing is reached, not only "not found".
      const generated = values.map(parameterText);
      pathParams[parameter.name] = fc.oneof(
        { weight: 1, arbitrary: generated },
        { weight: 1, arbitrary: fc.tuple(fc.nat(), generated).map(([pooled, fallback]): PooledValue => ({ pooled, fallback })) },
      );
    } else if (parameter.in === 'query') {
      const resolved = dereferenceSchema(parameter.schema, options.document);
      const isArray = typeof resolved === 'object' && resolved.type === 'array';
      query[parameter.name] = values.map((value): QueryValue => (isArray && Array.isArray(value) ? value.map(parameterText) : parameterText(value)));
      if (parameter.required) requiredQuery.push(parameter.name);
    } else if (parameter.in === 'header' && !skipped.has(parameter.name.toLowerCase())) {
      // A header value is bytes (RFC 9110 §5.5): a valid one keeps to printable ASCII, which every client can send.
      const sendable = firstFitting(
        schemaArbitrary(parameter.schema, options),
        (value) => options.isValid(parameter.schemaPointer, value) && /^[\x20-\x7e]*$/.test(parameterText(value)),
      );
      headers[parameter.name.toLowerCase()] = sendable.map(parameterText);
      if (parameter.required) requiredHeaders.push(parameter.name.toLowerCase());
    }
  }

  const declaredHeaders = operation.parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
  const secretHeaders: Record<string, SecretUse> = {};
  for (const name of options.secretHeaders) {
    if (declaredHeaders.includes(name) || operation.securityHeaders.includes(name)) secretHeaders[name] = 'real';
  }

  const body = jsonBodySchema(operation);
  const bodyValues = body === undefined ? fc.constant(undefined) : firstFitting(schemaArbitrary(body.schema, options), (value) => options.isValid(body.pointer, value));
  const bodyArbitrary = body === undefined || body.required ? bodyValues : fc.option(bodyValues, { nil: undefined, freq: 5 });

  return fc
    .record({
      pathParams: fc.record(pathParams),
      query: fc.record(query, { requiredKeys: requiredQuery }),
      headers: fc.record(headers, { requiredKeys: requiredHeaders }),
      body: bodyArbitrary,
      identity: fc.constantFrom(...options.identities),
    })
    .map((parts): FuzzRequest => ({
      method: operation.method.toUpperCase(),
      pathTemplate: operation.path,
      pathParams: parts.pathParams,
      query: parts.query,
      headers: parts.headers,
      secretHeaders,
      body: parts.body === undefined ? undefined : { kind: 'json', value: parts.body },
      identity: parts.identity,
    }));
}
