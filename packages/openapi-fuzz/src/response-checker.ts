import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { DocumentedResponse, OpenApiDocument, Operation } from './openapi-document.js';
import type { FuzzBody, QueryValue } from './fuzz-request.js';
import { isJsonMediaType, jsonBodySchema } from './request-fields.js';

export type FindingKind =
  'server_error' | 'undocumented_status' | 'undocumented_content_type' | 'schema_mismatch' | 'invalid_request_accepted' | 'ignored_auth' | 'no_answer' | 'secret_leaked';

/** Something an answer did that its document does not allow. */
export interface Finding {
  readonly kind: FindingKind;
  readonly message: string;
}

/** An answer as the fuzzer saw it. */
export interface ObservedResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** What a request held, for judging it against the declared request schemas. */
export interface RequestContents {
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, QueryValue>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: FuzzBody | undefined;
}

const DOCUMENT_ID = 'openapi-fuzz:document';

/** The documented response for a status: the exact code, then its range (`4XX`), then `default`. */
function documentedResponse(operation: Operation, status: number): DocumentedResponse | undefined {
  return operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default;
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function matchingMediaType(documented: readonly string[], actual: string): string | undefined {
  const [type] = actual.split('/');
  return (
    documented.find((candidate) => candidate.toLowerCase() === actual) ??
    documented.find((candidate) => candidate.toLowerCase() === `${type}/*`) ??
    documented.find((candidate) => candidate === '*/*')
  );
}

/**
 * Judges requests and answers by the document's schemas, with Ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses). Schemas
 * are addressed by their JSON pointer in the document, so `$ref`s between them resolve as the document means them.
 */
export class ResponseChecker {
  private readonly strict: Ajv2020;
  /** Parameters travel as text: this one coerces `"5"` to 5 (and repeated keys to arrays) as a server's parser does. */
  private readonly coercing: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    const options = {
      strict: false,
      validateSchema: false,
      allErrors: false,
      logger: false as const,
      // zod writes patterns for JavaScript's RegExp without the `u` flag, and tests them that way.
      unicodeRegExp: false,
    };
    this.strict = new Ajv2020(options);
    this.coercing = new Ajv2020({ ...options, coerceTypes: 'array' });
    for (const ajv of [this.strict, this.coercing]) {
      addFormats.default(ajv);
      ajv.addSchema(document as object, DOCUMENT_ID);
    }
  }

  /** The validator of the schema at `pointer`; a parameter's is wrapped in `{ value }` so coercion has somewhere to write. */
  private validator(pointer: string, kind: 'value' | 'parameter'): ValidateFunction {
    const key = `${kind}${pointer}`;
    let validate = this.validators.get(key);
    if (validate === undefined) {
      const ref = { $ref: `${DOCUMENT_ID}#${pointer}` };
      validate = kind === 'value' ? this.strict.compile(ref) : this.coercing.compile({ type: 'object', properties: { value: ref } });
      this.validators.set(key, validate);
    }
    return validate;
  }

  private errors(validate: ValidateFunction): string {
    return (validate.errors ?? [])
      .slice(0, 3)
      .map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`)
      .join('; ');
  }

  /** Whether `value` validates against the schema at `pointer` (JSON values, no coercion). */
  isValid(pointer: string, value: unknown): boolean {
    return this.validator(pointer, 'value')(value);
  }

  /** How the request breaks its operation's declared schemas; empty when it follows them. */
  requestViolations(operation: Operation, request: RequestContents): string[] {
    const violations: string[] = [];
    for (const parameter of operation.parameters) {
      const source = parameter.in === 'path' ? request.pathParams : parameter.in === 'query' ? request.query : parameter.in === 'header' ? request.headers : {};
      const key = parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name;
      const value = source[key];
      if (value === undefined) {
        if (parameter.required) violations.push(`${parameter.in}.${parameter.name} is missing`);
        continue;
      }
      const validate = this.validator(parameter.schemaPointer, 'parameter');
      if (!validate({ value })) violations.push(`${parameter.in}.${parameter.name} ${this.errors(validate)}`);
    }
    const body = jsonBodySchema(operation);
    if (body !== undefined) {
      if (request.body === undefined) {
        if (body.required) violations.push('body is missing');
      } else if (request.body.kind === 'raw') {
        const parsed = parseJson(request.body.text);
        if (!isJsonMediaType(request.body.contentType ?? '') || parsed === undefined) violations.push('body is not JSON');
        else if (!this.isValid(body.pointer, parsed.value)) violations.push(`body ${this.errors(this.validator(body.pointer, 'value'))}`);
      } else if (!this.isValid(body.pointer, request.body.value)) {
        violations.push(`body ${this.errors(this.validator(body.pointer, 'value'))}`);
      }
    }
    return violations;
  }

  /** What the answer does that the operation's documented responses do not allow. */
  checkResponse(operation: Operation, response: ObservedResponse): Finding[] {
    const findings: Finding[] = [];
    if (response.status >= 500) findings.push({ kind: 'server_error', message: `answered ${response.status}` });
    const documented = documentedResponse(operation, response.status);
    if (documented === undefined) {
      findings.push({ kind: 'undocumented_status', message: `answered ${response.status}, documented: ${Object.keys(operation.responses).join(', ')}` });
      return findings;
    }
    const mediaType = mediaTypeOf(response.contentType);
    const declared = Object.keys(documented.content ?? {});
    if (declared.length === 0) {
      if (response.body.length > 0)
        findings.push({
          kind: 'undocumented_content_type',
          message: `${response.status} is documented without a body, got ${response.body.length} bytes of ${mediaType ?? 'no content type'}`,
        });
      return findings;
    }
    const matched = mediaType === undefined ? undefined : matchingMediaType(declared, mediaType);
    if (matched === undefined) {
      findings.push({ kind: 'undocumented_content_type', message: `${response.status} answered ${mediaType ?? 'no content type'}, documented: ${declared.join(', ')}` });
      return findings;
    }
    const entry = documented.content?.[matched];
    if (entry?.schema === undefined) return findings;
    let value: unknown = response.body;
    if (isJsonMediaType(matched)) {
      const parsed = parseJson(response.body);
      if (parsed === undefined) {
        findings.push({ kind: 'schema_mismatch', message: `${response.status} ${matched} body is not JSON` });
        return findings;
      }
      value = parsed.value;
    }
    const validate = this.validator(entry.schemaPointer, 'value');
    if (!validate(value)) findings.push({ kind: 'schema_mismatch', message: `${response.status} ${matched} body does not match its schema: ${this.errors(validate)}` });
    return findings;
  }
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
