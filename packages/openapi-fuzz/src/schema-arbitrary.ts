import fc from 'fast-check';
import { resolvePointer, type JsonSchema } from './openapi-document.js';

/**
 * JSON Schema (2020-12, the subset zod and OpenAPI 3.1 documents use) to a fast-check arbitrary of values the schema
 * accepts. No maintained converter for fast-check 4 exists on npm (json-schema-fast-check is built on fast-check 1), so
 * this is the small one the fuzzer needs; a value it cannot promise to be valid is filtered by the validator later.
 */

/** Sizes of what the schema leaves unbounded; mutations probe the boundaries separately. */
const UNBOUNDED_STRING_LENGTH = 24;
const UNBOUNDED_ITEMS = 4;
const UNBOUNDED_INTEGER = 1_000_000;
const MAX_DEPTH = 8;

type Keywords = Readonly<Record<string, unknown>>;

const CANDIDATES = 8;

/**
 * The first of a few candidates that fits, or the last candidate when none does: unlike `filter`, it cannot loop for
 * ever on a schema the generator reads wrongly; an unfitting value then shows as a refused "valid" request.
 */
export function firstFitting<T>(candidates: fc.Arbitrary<T>, fits: (value: T) => boolean): fc.Arbitrary<T> {
  return fc.array(candidates, { minLength: CANDIDATES, maxLength: CANDIDATES }).map((list) => list.find(fits) ?? (list.at(-1) as T));
}

function keywords(schema: JsonSchema): Keywords {
  return typeof schema === 'boolean' ? {} : schema;
}

function numberKeyword(schema: Keywords, name: string): number | undefined {
  const value = schema[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function subschema(value: unknown): JsonSchema | undefined {
  return typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value)) ? (value as JsonSchema) : undefined;
}

/** The JSON types a schema names, or infers from its keywords; empty when it allows anything. */
export function schemaTypes(schema: JsonSchema): string[] {
  const s = keywords(schema);
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type.filter((type): type is string => typeof type === 'string');
  if ('properties' in s || 'required' in s || 'additionalProperties' in s) return ['object'];
  if ('items' in s || 'prefixItems' in s) return ['array'];
  if ('minLength' in s || 'maxLength' in s || 'pattern' in s || 'format' in s) return ['string'];
  if ('minimum' in s || 'maximum' in s || 'exclusiveMinimum' in s || 'exclusiveMaximum' in s) return ['number'];
  return [];
}

/** Characters a person types (printable ASCII) and a wider plane of letters (Latin-1 and up, no controls or surrogates). */
const textCharacter = fc
  .oneof({ weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }) })
  .map((code) => String.fromCharCode(code));

function formatArbitrary(format: string): fc.Arbitrary<string> | undefined {
  const instant = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });
  switch (format) {
    case 'email':
      return fc
        .tuple(fc.stringMatching(/^[a-z0-9]{1,10}(?:[._+-][a-z0-9]{1,6})?$/), fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom('com', 'org', 'example', 'test'))
        .map(([local, host, tld]) => `${local}@${host}.${tld}`);
    case 'uuid':
      return fc.uuid({ version: 4 });
    case 'date-time':
      return instant.map((date) => date.toISOString());
    case 'date':
      return instant.map((date) => date.toISOString().slice(0, 10));
    case 'uri':
    case 'url':
      return fc.webUrl();
    case 'ipv4':
      return fc.ipV4();
    case 'ipv6':
      return fc.ipV6();
    default:
      return undefined;
  }
}

function stringArbitrary(s: Keywords): fc.Arbitrary<string> {
  const minLength = numberKeyword(s, 'minLength') ?? 0;
  const maxLength = numberKeyword(s, 'maxLength') ?? Number.POSITIVE_INFINITY;
  const fits = (value: string): boolean => {
    const length = [...value].length;
    return length >= minLength && length <= maxLength;
  };
  const pattern = typeof s.pattern === 'string' ? new RegExp(s.pattern) : undefined;
  // zod writes a format and the pattern it checks with: a known format generates plain values both accept.
  const fromFormat = typeof s.format === 'string' ? formatArbitrary(s.format) : undefined;
  if (fromFormat !== undefined) return firstFitting(fromFormat, (value) => fits(value) && (pattern === undefined || pattern.test(value)));
  if (pattern !== undefined) return firstFitting(fc.stringMatching(pattern), fits);
  return fc.string({ unit: textCharacter, minLength, maxLength: Math.min(maxLength, minLength + UNBOUNDED_STRING_LENGTH) });
}

function integerArbitrary(s: Keywords): fc.Arbitrary<number> {
  const exclusiveMinimum = numberKeyword(s, 'exclusiveMinimum');
  const exclusiveMaximum = numberKeyword(s, 'exclusiveMaximum');
  const lowest = Math.ceil(numberKeyword(s, 'minimum') ?? (exclusiveMinimum === undefined ? -UNBOUNDED_INTEGER : Math.floor(exclusiveMinimum) + 1));
  const highest = Math.floor(numberKeyword(s, 'maximum') ?? (exclusiveMaximum === undefined ? UNBOUNDED_INTEGER : Math.ceil(exclusiveMaximum) - 1));
  const min = Math.max(lowest, Number.MIN_SAFE_INTEGER);
  const max = Math.min(highest, Number.MAX_SAFE_INTEGER);
  const step = numberKeyword(s, 'multipleOf');
  if (step !== undefined && Number.isInteger(step) && step > 0) {
    return fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((n) => n * step);
  }
  return fc.integer({ min, max });
}

function numberArbitrary(s: Keywords): fc.Arbitrary<number> {
  const exclusiveMinimum = numberKeyword(s, 'exclusiveMinimum');
  const exclusiveMaximum = numberKeyword(s, 'exclusiveMaximum');
  return fc.double({
    min: numberKeyword(s, 'minimum') ?? exclusiveMinimum ?? -UNBOUNDED_INTEGER,
    max: numberKeyword(s, 'maximum') ?? exclusiveMaximum ?? UNBOUNDED_INTEGER,
    minExcluded: exclusiveMinimum !== undefined && numberKeyword(s, 'minimum') === undefined,
    maxExcluded: exclusiveMaximum !== undefined && numberKeyword(s, 'maximum') === undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

export interface SchemaArbitraryOptions {
  /** The document `$ref`s point into (`#/components/schemas/...`). */
  readonly document: unknown;
}

/** An arbitrary of values `schema` should accept. */
export function schemaArbitrary(schema: JsonSchema, options: SchemaArbitraryOptions, depth = 0): fc.Arbitrary<unknown> {
  if (schema === false) return fc.constant(undefined);
  const s = keywords(schema);
  if (depth > MAX_DEPTH) return fc.constant(null);
  const nested = (child: JsonSchema): fc.Arbitrary<unknown> => schemaArbitrary(child, options, depth + 1);

  if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) {
    const target = subschema(resolvePointer(options.document, s.$ref.slice(1)));
    if (target !== undefined) return nested(target);
  }
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...(s.enum as unknown[]));
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const branches = s[combinator];
    if (Array.isArray(branches) && branches.length > 0) {
      return fc.oneof(
        ...branches
          .map(subschema)
          .filter((branch) => branch !== undefined)
          .map(nested),
      );
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    const parts = s.allOf
      .map(subschema)
      .filter((part) => part !== undefined)
      .map(keywords);
    const { allOf: _allOf, ...rest } = s;
    return nested(mergeSchemas([rest, ...parts]));
  }

  const types = schemaTypes(schema);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...types.map((type) => typedArbitrary(type, s, nested)));
}

function typedArbitrary(type: string, s: Keywords, nested: (child: JsonSchema) => fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return stringArbitrary(s);
    case 'integer':
      return integerArbitrary(s);
    case 'number':
      return numberArbitrary(s);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = subschema(s.items) ?? true;
      const minLength = numberKeyword(s, 'minItems') ?? 0;
      const maxLength = Math.min(numberKeyword(s, 'maxItems') ?? Number.POSITIVE_INFINITY, minLength + UNBOUNDED_ITEMS);
      return s.uniqueItems === true
        ? fc.uniqueArray(nested(items), { minLength, maxLength, selector: (value) => JSON.stringify(value) })
        : fc.array(nested(items), { minLength, maxLength });
    }
    case 'object':
      return objectArbitrary(s, nested);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

function objectArbitrary(s: Keywords, nested: (child: JsonSchema) => fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const properties = (typeof s.properties === 'object' && s.properties !== null ? s.properties : {}) as Record<string, unknown>;
  const required = Array.isArray(s.required) ? s.required.filter((name): name is string => typeof name === 'string') : [];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, child] of Object.entries(properties)) model[name] = nested(subschema(child) ?? true);
  for (const name of required) model[name] ??= fc.jsonValue({ maxDepth: 1 });
  const additional = subschema(s.additionalProperties);
  const record = fc.record(model, { requiredKeys: required });
  // A map-like object (`z.record`): only additional properties, a few of them.
  if (Object.keys(properties).length === 0 && additional !== undefined && additional !== false) {
    return fc.dictionary(fc.string({ unit: textCharacter, minLength: 1, maxLength: 12 }), nested(additional), { maxKeys: 3 });
  }
  return record;
}

/** allOf's parts as one schema: properties and requirements together, the narrowest bounds of each (the validator settles the rest). */
function mergeSchemas(parts: readonly Keywords[]): Keywords {
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [keyword, value] of Object.entries(part)) {
      if (keyword === 'properties' && typeof value === 'object' && value !== null) {
        merged.properties = { ...(merged.properties as object | undefined), ...value };
      } else if (keyword === 'required' && Array.isArray(value)) {
        merged.required = [...new Set([...((merged.required as unknown[] | undefined) ?? []), ...value])];
      } else if (!(keyword in merged)) {
        merged[keyword] = value;
      }
    }
  }
  return merged;
}
