/** JSON Schema as OpenAPI 3.1 carries it: an object of keywords, or `true`/`false`. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** The part of an OpenAPI 3.1 document the fuzzer reads; anything else in it is ignored. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components?: { readonly securitySchemes?: Readonly<Record<string, unknown>> } & Readonly<Record<string, unknown>>;
  readonly security?: ReadonlyArray<Readonly<Record<string, readonly string[]>>>;
}

type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

interface Parameter {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
  readonly schema: JsonSchema;
  /** Where the schema sits in the document, as a JSON pointer (for the validator). */
  readonly schemaPointer: string;
}

interface MediaType {
  readonly schema: JsonSchema | undefined;
  readonly schemaPointer: string;
}

interface RequestBody {
  readonly required: boolean;
  /** By media type, e.g. `application/json`. */
  readonly content: Readonly<Record<string, MediaType>>;
}

export interface DocumentedResponse {
  /** By media type; `undefined` when the response is documented without a body. */
  readonly content: Readonly<Record<string, MediaType>> | undefined;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

/** One operation (a method on a path) with everything needed to call it and to judge its answers. */
export interface Operation {
  /** `METHOD /path/{param}`, the name findings and filters use. */
  readonly id: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly requestBody: RequestBody | undefined;
  /** By status code as the document spells it: `200`, `4XX`, `default`. */
  readonly responses: Readonly<Record<string, DocumentedResponse>>;
  /** Header names that the operation's security requirements ask for (API keys sent in a header), lower case. */
  readonly securityHeaders: readonly string[];
  /** Every alternative of its security requirement names a scheme: a caller without credentials must be refused. */
  readonly requiresCredentials: boolean;
}

export class OpenApiDocumentError extends Error {
  override readonly name = 'OpenApiDocumentError';
}

/** RFC 6901: `~` and `/` escaped, then percent-encoded as a URI fragment needs. */
function pointerToken(token: string): string {
  return encodeURIComponent(token.replaceAll('~', '~0').replaceAll('/', '~1'));
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows local `$ref`s (`#/components/...`) of objects that are not schemas: parameters, bodies, responses. */
function dereference(document: OpenApiDocument, value: unknown): { value: unknown; pointer: string | undefined } {
  let current = value;
  let pointer: string | undefined;
  for (let hops = 0; isRecord(current) && typeof current.$ref === 'string'; hops += 1) {
    if (hops > 16 || !current.$ref.startsWith('#/')) throw new OpenApiDocumentError(`cannot follow $ref ${current.$ref}`);
    pointer = current.$ref.slice(1);
    current = resolvePointer(document, pointer);
  }
  return { value: current, pointer };
}

/** The value at a JSON pointer (`/components/schemas/User`), or undefined. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  let current: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isRecord(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}

function mediaTypes(document: OpenApiDocument, content: unknown, pointer: string): Record<string, MediaType> {
  const result: Record<string, MediaType> = {};
  if (!isRecord(content)) return result;
  for (const [mediaType, entry] of Object.entries(content)) {
    const schema = isRecord(entry) && (isRecord(entry.schema) || typeof entry.schema === 'boolean') ? (entry.schema as JsonSchema) : undefined;
    result[mediaType] = { schema, schemaPointer: `${pointer}/${pointerToken(mediaType)}/schema` };
  }
  return result;
}

function readParameters(document: OpenApiDocument, entries: unknown, pointer: string): Parameter[] {
  if (!Array.isArray(entries)) return [];
  return entries.map((entry: unknown, index) => {
    const { value, pointer: referenced } = dereference(document, entry);
    const base = referenced ?? `${pointer}/${index}`;
    if (!isRecord(value) || typeof value.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(String(value.in))) {
      throw new OpenApiDocumentError(`parameter at ${base} has no name or location`);
    }
    const schema = isRecord(value.schema) || typeof value.schema === 'boolean' ? (value.schema as JsonSchema) : true;
    return {
      name: value.name,
      in: value.in as ParameterLocation,
      required: value.in === 'path' || value.required === true,
      schema,
      schemaPointer: `${base}/schema`,
    };
  });
}

/** The operation's security requirement (its own, or the document's default): alternatives, each naming schemes. */
function securityRequirements(document: OpenApiDocument, operation: Readonly<Record<string, unknown>>): unknown[] {
  return Array.isArray(operation.security) ? operation.security : [...(document.security ?? [])];
}

/** No alternative of the requirement is empty (`{}` would let a caller in without credentials). */
function requiresCredentials(document: OpenApiDocument, operation: Readonly<Record<string, unknown>>): boolean {
  const requirements = securityRequirements(document, operation);
  return requirements.length > 0 && requirements.every((requirement) => isRecord(requirement) && Object.keys(requirement).length > 0);
}

/** Header names of the `apiKey` schemes (in: header) that the operation, or the document by default, requires. */
function securityHeaders(document: OpenApiDocument, operation: Readonly<Record<string, unknown>>): string[] {
  const requirements = securityRequirements(document, operation);
  const schemes = document.components?.securitySchemes ?? {};
  const headers = new Set<string>();
  for (const requirement of requirements) {
    if (!isRecord(requirement)) continue;
    for (const name of Object.keys(requirement)) {
      const scheme = dereference(document, schemes[name]).value;
      if (isRecord(scheme) && scheme.type === 'apiKey' && scheme.in === 'header' && typeof scheme.name === 'string') headers.add(scheme.name.toLowerCase());
    }
  }
  return [...headers];
}

/** Every operation of the document, in document order; a path's parameters apply to each of its operations unless one overrides them (OpenAPI 3.1 Path Item Object). */
export function listOperations(document: OpenApiDocument): Operation[] {
  if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.1')) {
    throw new OpenApiDocumentError(`expected an OpenAPI 3.1 document, got openapi: ${String(document.openapi)}`);
  }
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const itemPointer = `/paths/${pointerToken(path)}`;
    const shared = readParameters(document, item.parameters, `${itemPointer}/parameters`);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isRecord(operation)) continue;
      const pointer = `${itemPointer}/${method}`;
      const own = readParameters(document, operation.parameters, `${pointer}/parameters`);
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];

      const body = dereference(document, operation.requestBody);
      const bodyPointer = body.pointer ?? `${pointer}/requestBody`;
      const requestBody = isRecord(body.value)
        ? { required: body.value.required === true, content: mediaTypes(document, body.value.content, `${bodyPointer}/content`) }
        : undefined;

      const responses: Record<string, DocumentedResponse> = {};
      for (const [status, entry] of Object.entries(isRecord(operation.responses) ? operation.responses : {})) {
        const response = dereference(document, entry);
        const responsePointer = response.pointer ?? `${pointer}/responses/${pointerToken(status)}`;
        const content =
          isRecord(response.value) && isRecord(response.value.content) ? mediaTypes(document, response.value.content, `${responsePointer}/content`) : undefined;
        responses[status] = { content };
      }
      operations.push({
        id: `${method.toUpperCase()} ${path}`,
        method,
        path,
        parameters,
        requestBody,
        responses,
        securityHeaders: securityHeaders(document, operation),
        requiresCredentials: requiresCredentials(document, operation),
      });
    }
  }
  return operations;
}
