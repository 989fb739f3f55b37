import fc from 'fast-check';
import type { JsonSchema, Operation } from './openapi-document.js';
import type { FuzzCase, FuzzRequest } from './fuzz-request.js';
import { describeField, REMOVED, requestFields, withField, type RequestField } from './request-fields.js';
import { schemaTypes } from './schema-arbitrary.js';

/**
 * Ways to spoil a valid request, one at a time: what a careless or hostile client sends. Each yields a case named by
 * what it did, so a finding says which field and which spoiling produced it.
 */

/** Characters that break logs, terminals, databases and parsers: C0/C1 controls, DEL, bidi overrides, a lone surrogate. */
const CONTROL_CHARACTERS = ['\u0000', '\u0007', '\u0008', '\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\u202e', '\u2066', '\ufeff', '\ud800', '\udfff'];

/** JSON values of every type, to send where another type is declared. */
const VALUES_BY_TYPE: Readonly<Record<string, readonly unknown[]>> = {
  string: ['', 'text', '0', 'null', 'true'],
  integer: [0, -1, 7],
  number: [0.5, -1.25],
  boolean: [true, false],
  null: [null],
  array: [[], ['text'], [1, 2]],
  object: [{}, { key: 'value' }],
};

/** Parameter text that is often not what a parameter declares. */
const ODD_PARAMETER_TEXT = ['', ' ', 'text', '-1', '0', '1.5', '1e400', 'NaN', 'true', 'null', '[]', '{}', '..', 'a/b', '%', '\u00e9', 'x'.repeat(300)];

/** Numbers at and past every limit: JSON's and JavaScript's. */
const HUGE_NUMBERS = [1e308, -1e308, 2 ** 53 + 2, -(2 ** 53) - 2, 1e21, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, 2 ** 31, -(2 ** 31) - 1];
/** Numbers JSON can write but JSON.stringify cannot produce: sent as raw text. */
const RAW_NUMBERS = ['1e400', '-1e400', '-0', '1e-400', '123456789012345678901234567890'];

const MARKER = '"__openapi_fuzz_raw_number__"';

/** `[[[…]]]`, `depth` arrays deep. */
function nested(depth: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < depth; level += 1) value = [value];
  return value;
}

interface Mutator {
  readonly name: string;
  readonly cases: (request: FuzzRequest) => fc.Arbitrary<FuzzCase> | undefined;
}

function keywordNumber(schema: JsonSchema, name: string): number | undefined {
  if (typeof schema !== 'object') return undefined;
  const value = schema[name];
  return typeof value === 'number' ? value : undefined;
}

function isParameter(field: RequestField): boolean {
  return field.part !== 'body';
}

function hasJsonBody(request: FuzzRequest): boolean {
  return request.body?.kind === 'json';
}

/** Whether the field's container is there to be changed (a body property needs a body object around it). */
function reachable(request: FuzzRequest, field: RequestField): boolean {
  if (field.part !== 'body' || field.path.length === 0) return true;
  let current = request.body?.kind === 'json' ? request.body.value : undefined;
  for (const name of field.path.slice(0, -1)) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return false;
    current = (current as Record<string, unknown>)[name];
  }
  return typeof current === 'object' && current !== null && !Array.isArray(current);
}

function mutated(request: FuzzRequest, mutation: string): FuzzCase {
  return { request, mutation };
}

function fieldMutators(field: RequestField): Mutator[] {
  const label = describeField(field);
  const types = schemaTypes(field.schema);
  const isString = types.includes('string');
  const isNumeric = types.includes('integer') || types.includes('number');
  const enumValues = typeof field.schema === 'object' && Array.isArray(field.schema.enum) ? field.schema.enum : undefined;
  const mutators: Mutator[] = [];

  mutators.push({
    name: 'wrong type',
    cases: (request) => {
      if (!reachable(request, field)) return undefined;
      if (isParameter(field))
        return fc.constantFrom(...ODD_PARAMETER_TEXT).map((text) => mutated(withField(request, field, text), `${label}: odd text ${JSON.stringify(text.slice(0, 20))}`));
      const others = Object.entries(VALUES_BY_TYPE).filter(([type]) => !types.includes(type) && !(type === 'integer' && types.includes('number')));
      const values = others.flatMap(([, list]) => list);
      return values.length === 0
        ? undefined
        : fc.constantFrom(...values).map((value) => mutated(withField(request, field, value), `${label}: wrong type ${JSON.stringify(value)}`));
    },
  });

  if (field.part === 'body') {
    mutators.push({
      name: 'deep nesting',
      // Thousands of levels in a few kilobytes: recursive parsers and validators must refuse it, not overflow their stack.
      cases: (request) =>
        reachable(request, field)
          ? fc.constantFrom(1_000, 3_000).map((depth) => mutated(withField(request, field, nested(depth)), `${label}: nested ${depth} deep`))
          : undefined,
    });
  }

  if (field.part === 'query') {
    mutators.push({
      name: 'repeated parameter',
      cases: (request) => {
        const value = request.query[field.path[0] ?? ''];
        const text = typeof value === 'string' ? value : '1';
        return fc.constant(mutated(withField(request, field, [text, text]), `${label}: repeated`));
      },
    });
  }

  if (field.required && field.path.length > 0) {
    mutators.push({
      name: 'missing',
      cases: (request) => (reachable(request, field) ? fc.constant(mutated(withField(request, field, REMOVED), `${label}: missing`)) : undefined),
    });
  }

  if (isString) {
    mutators.push({
      name: 'control character',
      cases: (request) =>
        reachable(request, field)
          ? fc
              .tuple(fc.constantFrom(...CONTROL_CHARACTERS), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
              .map(([control, before, after]) =>
                mutated(withField(request, field, `${before}${control}${after}`), `${label}: control character U+${control.charCodeAt(0).toString(16).padStart(4, '0')}`),
              )
          : undefined,
    });
    const minLength = keywordNumber(field.schema, 'minLength') ?? 0;
    const maxLength = keywordNumber(field.schema, 'maxLength');
    // A body may be long (past the body limit, even); a parameter stays under the 16 KiB Node allows for a request head.
    const long = isParameter(field) ? [1_000] : [10_000, 20_000];
    const lengths = [maxLength, maxLength === undefined ? undefined : maxLength + 1, minLength > 0 ? minLength - 1 : undefined, ...long].filter(
      (n): n is number => n !== undefined,
    );
    mutators.push({
      name: 'boundary length',
      cases: (request) =>
        reachable(request, field)
          ? fc
              .tuple(fc.constantFrom(...lengths), fc.constantFrom('a', '0', '\u00e9', '\u{1F600}'))
              .map(([length, unit]) => mutated(withField(request, field, unit.repeat(length)), `${label}: ${length} × ${JSON.stringify(unit)}`))
          : undefined,
    });
  }

  if (isNumeric) {
    const limits = [keywordNumber(field.schema, 'minimum'), keywordNumber(field.schema, 'maximum')].filter((n): n is number => n !== undefined);
    const edges = [...limits.flatMap((limit) => [limit - 1, limit + 1]), ...HUGE_NUMBERS, ...(types.includes('integer') ? [0.5, 1.000001] : [])];
    mutators.push({
      name: 'huge number',
      cases: (request) =>
        reachable(request, field)
          ? fc.constantFrom(...edges).map((value) => mutated(withField(request, field, isParameter(field) ? String(value) : value), `${label}: number ${value}`))
          : undefined,
    });
    if (field.part === 'body') {
      mutators.push({
        name: 'raw number',
        cases: (request) => {
          if (!reachable(request, field) || !hasJsonBody(request)) return undefined;
          return fc.constantFrom(...RAW_NUMBERS).map((raw) => {
            const marked = withField(request, field, JSON.parse(MARKER));
            const text = JSON.stringify(marked.body?.kind === 'json' ? marked.body.value : null).replace(MARKER, raw);
            return mutated({ ...request, body: { kind: 'raw', text, contentType: 'application/json' } }, `${label}: raw number ${raw}`);
          });
        },
      });
    }
  }

  if (enumValues !== undefined) {
    const strings = enumValues.filter((value): value is string => typeof value === 'string');
    const bad = [...strings.map((value) => value.toUpperCase()), ...strings.map((value) => `${value} `), 'unknown', ''].filter((value) => !enumValues.includes(value));
    mutators.push({
      name: 'bad enum',
      cases: (request) =>
        reachable(request, field) && bad.length > 0
          ? fc.constantFrom(...bad).map((value) => mutated(withField(request, field, value), `${label}: not in enum ${JSON.stringify(value)}`))
          : undefined,
    });
  }
  return mutators;
}

function requestMutators(operation: Operation): Mutator[] {
  const mutators: Mutator[] = [
    {
      name: 'extra query parameter',
      cases: (request) =>
        fc
          .constantFrom('unexpected', '__proto__', 'limit[]')
          .map((name) => mutated({ ...request, query: { ...request.query, [name]: '1' } }, `query.${name}: not declared`)),
    },
    {
      name: 'bad token',
      cases: (request) =>
        fc
          .constantFrom('Bearer ', 'Bearer x.y.z', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'Basic dXNlcjpwYXNz', 'bearer')
          .map((authorization) => mutated({ ...request, headers: { ...request.headers, authorization } }, `authorization: ${JSON.stringify(authorization)}`)),
    },
  ];
  mutators.push({
    name: 'secret header',
    cases: (request) => {
      const names = Object.keys(request.secretHeaders);
      if (names.length === 0) return undefined;
      return fc
        .tuple(fc.constantFrom(...names), fc.constantFrom('wrong' as const, 'absent' as const))
        .map(([name, use]) => mutated({ ...request, secretHeaders: { ...request.secretHeaders, [name]: use } }, `${name}: ${use}`));
    },
  });
  if (operation.requestBody !== undefined) {
    mutators.push({
      name: 'malformed body',
      cases: (request) =>
        fc
          .constantFrom(
            { text: '{"unterminated": ', contentType: 'application/json' },
            { text: '', contentType: 'application/json' },
            { text: 'null', contentType: 'application/json' },
            { text: '[]', contentType: 'application/json' },
            { text: '{"__proto__": {"polluted": true}}', contentType: 'application/json' },
            { text: 'email=a&password=b', contentType: 'application/x-www-form-urlencoded' },
            { text: '{}', contentType: 'text/plain' },
          )
          .map(({ text, contentType }) => mutated({ ...request, body: { kind: 'raw', text, contentType } }, `body: ${JSON.stringify(text)} as ${contentType}`)),
    });
    mutators.push({
      name: 'extra field',
      cases: (request) => {
        if (request.body?.kind !== 'json' || typeof request.body.value !== 'object' || request.body.value === null || Array.isArray(request.body.value)) return undefined;
        const value = request.body.value as Record<string, unknown>;
        return fc
          .constantFrom('unexpected', 'role', 'isAdmin', 'constructor')
          .map((name) => mutated({ ...request, body: { kind: 'json', value: { ...value, [name]: 'ADMIN' } } }, `body.${name}: not declared`));
      },
    });
  }
  return mutators;
}

/** An arbitrary of mutated requests: a valid request from `valid`, spoiled in one way that applies to it. */
export function mutatedRequest(
  operation: Operation,
  valid: fc.Arbitrary<FuzzRequest>,
  options: { document: unknown; skipHeaders: ReadonlySet<string> },
): fc.Arbitrary<FuzzCase> {
  const mutators = [...requestFields(operation, options.document, options.skipHeaders).flatMap(fieldMutators), ...requestMutators(operation)];
  return valid.chain((request) => {
    const applicable = mutators.map((mutator) => mutator.cases(request)).filter((cases): cases is fc.Arbitrary<FuzzCase> => cases !== undefined);
    return fc.oneof(...applicable);
  });
}
