import { resolvePointer, type JsonSchema, type Operation } from './openapi-document.js';
import type { FuzzRequest } from './fuzz-request.js';

/** One place a request carries a value: a parameter, or a property of the JSON body (`[]` is the body itself). */
export interface RequestField {
  readonly part: 'path' | 'query' | 'header' | 'body';
  readonly path: readonly string[];
  readonly schema: JsonSchema;
  readonly required: boolean;
}

const BODY_DEPTH = 2;

export function describeField(field: RequestField): string {
  return field.path.length === 0 ? field.part : `${field.part}.${field.path.join('.')}`;
}

/** Follows `$ref`s to the schema they name, so a field's keywords can be read. */
export function dereferenceSchema(schema: JsonSchema, document: unknown): JsonSchema {
  let current = schema;
  for (let hops = 0; hops < 16 && typeof current === 'object' && typeof current.$ref === 'string' && current.$ref.startsWith('#'); hops += 1) {
    const target = resolvePointer(document, current.$ref.slice(1));
    if (typeof target !== 'object' || target === null) break;
    current = target as JsonSchema;
  }
  return current;
}

function bodyFields(schema: JsonSchema, document: unknown, path: readonly string[], required: boolean): RequestField[] {
  const resolved = dereferenceSchema(schema, document);
  const fields: RequestField[] = [{ part: 'body', path, schema: resolved, required }];
  if (typeof resolved !== 'object' || path.length >= BODY_DEPTH) return fields;
  const properties = typeof resolved.properties === 'object' && resolved.properties !== null ? (resolved.properties as Record<string, JsonSchema>) : {};
  const requiredNames = Array.isArray(resolved.required) ? resolved.required : [];
  for (const [name, child] of Object.entries(properties)) {
    fields.push(...bodyFields(child, document, [...path, name], requiredNames.includes(name)));
  }
  return fields;
}

/** The JSON body's schema, when the operation takes one. */
export function jsonBodySchema(operation: Operation): { schema: JsonSchema; pointer: string; required: boolean } | undefined {
  const body = operation.requestBody;
  if (body === undefined) return undefined;
  const entry = Object.entries(body.content).find(([mediaType]) => isJsonMediaType(mediaType));
  if (entry === undefined || entry[1].schema === undefined) return undefined;
  return { schema: entry[1].schema, pointer: entry[1].schemaPointer, required: body.required };
}

export function isJsonMediaType(mediaType: string): boolean {
  const type = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

/** Every field of the operation that a mutation can aim at; headers in `skipHeaders` (credentials) are left out. */
export function requestFields(operation: Operation, document: unknown, skipHeaders: ReadonlySet<string>): RequestField[] {
  const fields: RequestField[] = [];
  for (const parameter of operation.parameters) {
    if (parameter.in === 'cookie') continue;
    if (parameter.in === 'header' && skipHeaders.has(parameter.name.toLowerCase())) continue;
    fields.push({
      part: parameter.in,
      path: [parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name],
      schema: dereferenceSchema(parameter.schema, document),
      required: parameter.required,
    });
  }
  const body = jsonBodySchema(operation);
  if (body !== undefined) fields.push(...bodyFields(body.schema, document, [], body.required));
  return fields;
}

/** Marks a field to remove in {@link withField}. */
export const REMOVED = Symbol('removed');

function withPath(root: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const base: Record<string, unknown> = typeof root === 'object' && root !== null && !Array.isArray(root) ? { ...(root as Record<string, unknown>) } : {};
  const next = withPath(base[head], rest, value);
  if (next === REMOVED) delete base[head];
  else base[head] = next;
  return base;
}

function withEntry<T>(record: Readonly<Record<string, T>>, name: string, value: T | typeof REMOVED): Record<string, T> {
  const copy = { ...record };
  if (value === REMOVED) delete copy[name];
  else copy[name] = value;
  return copy;
}

/** A copy of `request` whose field holds `value` (text for parameters, any JSON for the body), or lacks it. */
export function withField(request: FuzzRequest, field: RequestField, value: unknown): FuzzRequest {
  const name = field.path[0] ?? '';
  const text = value === REMOVED ? REMOVED : typeof value === 'string' ? value : JSON.stringify(value);
  switch (field.part) {
    case 'path':
      // A path parameter cannot be left out of the path: an empty segment is the nearest thing.
      return { ...request, pathParams: withEntry(request.pathParams, name, text === REMOVED ? '' : text) };
    case 'query':
      return { ...request, query: withEntry(request.query, name, Array.isArray(value) ? value.map(String) : text) };
    case 'header':
      return { ...request, headers: withEntry(request.headers, name, text) };
    case 'body': {
      const current = request.body?.kind === 'json' ? request.body.value : undefined;
      const next = withPath(current, field.path, value);
      return { ...request, body: next === REMOVED ? undefined : { kind: 'json', value: next } };
    }
  }
}
