import fc from 'fast-check';
import type { OpenApiDocument, Operation } from './openapi-document.js';
import { encodeBody, isPooled, type FuzzCase, type FuzzRequest, type SentRequest } from './fuzz-request.js';
import { exchange } from './http-exchange.js';
import { mutatedRequest } from './mutations.js';
import type { Finding, ObservedResponse, ResponseChecker } from './response-checker.js';
import { validRequest } from './valid-request.js';
import type { ValuePool } from './value-pool.js';

/** Who requests are sent as; `anonymous` (or any name whose headers are empty) sends no credentials. */
export interface Identities {
  readonly names: readonly string[];
  /** The headers that present this identity, e.g. `authorization: Bearer …`; signs in (again) when it must. */
  headers(name: string): Promise<Readonly<Record<string, string>>>;
  /** Told of every answer to a request with the identity's own credentials, so a session the fuzz ended is replaced. */
  observe(name: string, response: ObservedResponse): void;
  /** Header names the identities fill in (lower case): the generator leaves them alone. */
  readonly headerNames: readonly string[];
}

/** A secret the target holds: never printed, and never allowed in an answer. */
export interface Secret {
  readonly label: string;
  readonly value: string;
}

/** The running API and what the fuzzer needs to talk to it. */
export interface FuzzTarget {
  readonly baseUrl: string;
  readonly document: OpenApiDocument;
  readonly checker: ResponseChecker;
  readonly identities: Identities;
  /** Secret headers (lower case name → value), sent where an operation declares them, e.g. an app credential. */
  readonly secretHeaders: Readonly<Record<string, string>>;
  /** Every secret currently in use (tokens, credentials, passwords), for redaction and the leak check. */
  secrets(): readonly Secret[];
  readonly pool: ValuePool;
  readonly requestTimeoutMs: number;
}

export interface FuzzBudget {
  readonly seed: number;
  /** Cases to generate for the operation. */
  readonly runs: number;
  /** No case is sent after this instant (epoch ms). */
  readonly deadline: number;
  /** The clock the deadline is read on. */
  readonly now: () => number;
}

/** One finding with everything needed to see and replay it. */
export interface FindingReport {
  readonly finding: Finding;
  /** Its position among the operation's generated cases (0-based). */
  readonly caseIndex: number;
  readonly fuzzCase: FuzzCase;
  readonly sent: SentRequest;
  readonly response: ObservedResponse | undefined;
}

export interface OperationReport {
  readonly operation: Operation;
  /** The operation's own seed, derived from the run's seed and its id. */
  readonly seed: number;
  readonly generated: number;
  readonly sent: number;
  readonly unsendable: number;
  readonly validSent: number;
  /** Valid requests answered 2xx. */
  readonly validAccepted: number;
  /** Answers per status code. */
  readonly statuses: Readonly<Record<string, number>>;
  /** The first valid request refused as malformed (400), if any: a hint that the document is looser than the code. */
  readonly validRefused: { readonly request: SentRequest; readonly response: ObservedResponse } | undefined;
  /** Distinct findings (one example per kind and status). */
  readonly findings: readonly FindingReport[];
}

const SHARE_OF_VALID_CASES = 1;
const SHARE_OF_MUTATED_CASES = 2;
const WRONG_SECRET = 'wrong-secret-'.padEnd(48, 'x');

/** The operation's own seed: the same run seed always gives an operation the same cases, whatever else is fuzzed. */
function operationSeed(seed: number, operationId: string): number {
  // FNV-1a over the seed and the id.
  let hash = 0x811c9dc5;
  for (const character of `${seed}|${operationId}`) {
    hash ^= character.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** Valid and mutated requests for one operation, as fast-check generates them. */
export function fuzzCases(operation: Operation, target: Pick<FuzzTarget, 'document' | 'checker' | 'identities' | 'secretHeaders'>): fc.Arbitrary<FuzzCase> {
  const secretHeaders = Object.keys(target.secretHeaders);
  const valid = validRequest(operation, {
    document: target.document,
    identities: target.identities.names,
    secretHeaders,
    identityHeaders: target.identities.headerNames,
    isValid: (pointer, value) => target.checker.isValid(pointer, value),
  });
  const mutated = mutatedRequest(operation, valid, { document: target.document, skipHeaders: new Set([...secretHeaders, ...target.identities.headerNames]) });
  return fc.oneof(
    { weight: SHARE_OF_VALID_CASES, arbitrary: valid.map((request): FuzzCase => ({ request, mutation: undefined })) },
    { weight: SHARE_OF_MUTATED_CASES, arbitrary: mutated },
  );
}

/** Percent-encodes a path segment; a lone surrogate (which encodeURIComponent refuses) goes as the three bytes WTF-8 gives it. */
function encodePathSegment(value: string): string {
  return Array.from(value, (character) => {
    const code = character.charCodeAt(0);
    if (character.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    }
    return encodeURIComponent(character);
  }).join('');
}

/** The request as it goes out: pooled ids picked, the identity's and the secret headers filled in. */
async function prepare(operation: Operation, request: FuzzRequest, target: FuzzTarget): Promise<SentRequest> {
  const pathParams: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.pathParams)) {
    if (!isPooled(value)) {
      pathParams[name] = value;
      continue;
    }
    const parameter = operation.parameters.find((p) => p.in === 'path' && p.name === name);
    const fits = (candidate: string): boolean => parameter === undefined || target.checker.isValid(parameter.schemaPointer, candidate);
    const near = request.pathTemplate.slice(0, request.pathTemplate.indexOf(`{${name}}`)).replace(/\/$/, '');
    pathParams[name] = target.pool.pick(value.pooled, fits, near) ?? value.fallback;
  }
  const path = request.pathTemplate.replace(/\{([^}]+)\}/g, (_whole, name: string) => encodePathSegment(pathParams[name] ?? ''));
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query)) {
    for (const item of typeof value === 'string' ? [value] : value) search.append(name, item);
  }
  const query = search.toString();
  const { text, contentType } = encodeBody(request.body);
  const headers: Record<string, string> = { ...(await target.identities.headers(request.identity)), ...request.headers };
  for (const [name, use] of Object.entries(request.secretHeaders)) {
    if (use === 'real') headers[name] = target.secretHeaders[name] ?? '';
    else if (use === 'wrong') headers[name] = WRONG_SECRET;
  }
  if (contentType !== undefined) headers['content-type'] = contentType;
  return { method: request.method, target: query === '' ? path : `${path}?${query}`, headers, body: text, pathParams };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** What one answer does that the document does not allow. */
function judge(
  operation: Operation,
  target: FuzzTarget,
  answered: { readonly fuzzCase: FuzzCase; readonly request: SentRequest; readonly response: ObservedResponse; readonly presentsCredentials: boolean },
): Finding[] {
  const { fuzzCase, request, response } = answered;
  const accepted = response.status >= 200 && response.status < 300;
  const found = target.checker.checkResponse(operation, response);
  if (accepted && fuzzCase.mutation !== undefined) {
    const violations = target.checker.requestViolations(operation, { ...request, query: fuzzCase.request.query, body: fuzzCase.request.body });
    if (violations.length > 0)
      found.push({ kind: 'invalid_request_accepted', message: `answered ${response.status} to a request that breaks its schema: ${violations.join('; ')}` });
  }
  // A caller with no credentials, or with spoiled ones, never gets what the security requirement guards.
  if (accepted && operation.requiresCredentials && !answered.presentsCredentials) {
    found.push({ kind: 'ignored_auth', message: `answered ${response.status} to a request without valid credentials, though the operation requires them` });
  }
  for (const secret of target.secrets()) {
    if (secret.value.length > 0 && response.body.includes(secret.value)) found.push({ kind: 'secret_leaked', message: `the answer contains ${secret.label}` });
  }
  return found;
}

/**
 * Sends the operation's generated cases, in order, until the count or the deadline is reached, and judges each answer
 * against the document: never a 5xx, only documented statuses, content types and bodies that match their schemas, no
 * request the document calls invalid accepted, no secret in an answer, an answer to every request.
 */
export async function fuzzOperation(operation: Operation, target: FuzzTarget, budget: FuzzBudget): Promise<OperationReport> {
  const seed = operationSeed(budget.seed, operation.id);
  const cases = fc.sample(fuzzCases(operation, target), { seed, numRuns: budget.runs });
  const statuses: Record<string, number> = {};
  const findings: FindingReport[] = [];
  const seenFindings = new Set<string>();
  let sent = 0;
  let unsendable = 0;
  let validSent = 0;
  let validAccepted = 0;
  let validRefused: OperationReport['validRefused'];

  const note = (report: FindingReport): void => {
    const key = `${report.finding.kind}:${report.response?.status ?? 'none'}`;
    if (seenFindings.has(key)) return;
    seenFindings.add(key);
    findings.push(report);
  };

  for (const [caseIndex, fuzzCase] of cases.entries()) {
    if (budget.now() >= budget.deadline) break;
    const request = await prepare(operation, fuzzCase.request, target);
    const outcome = await exchange(target.baseUrl, request, target.requestTimeoutMs);
    if (outcome.kind === 'unsendable') {
      unsendable += 1;
      continue;
    }
    sent += 1;
    if (outcome.kind === 'no_answer') {
      note({ finding: { kind: 'no_answer', message: outcome.error }, caseIndex, fuzzCase, sent: request, response: undefined });
      continue;
    }
    const { response } = outcome;
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    // A request that presented other credentials (a mutated token) says nothing about the identity's session.
    const ownCredentials = !target.identities.headerNames.some((name) => name in fuzzCase.request.headers);
    if (ownCredentials) target.identities.observe(fuzzCase.request.identity, response);
    const json = parseJson(response.body);
    if (response.status < 300) target.pool.harvest(json, request.target.split('?')[0] ?? '');

    const accepted = response.status >= 200 && response.status < 300;
    if (fuzzCase.mutation === undefined) {
      validSent += 1;
      if (accepted) validAccepted += 1;
      if (response.status === 400) validRefused ??= { request, response };
    }
    for (const finding of judge(operation, target, {
      fuzzCase,
      request,
      response,
      presentsCredentials: ownCredentials && target.identities.headerNames.some((name) => name in request.headers),
    })) {
      note({ finding, caseIndex, fuzzCase, sent: request, response });
    }
  }
  return { operation, seed, generated: cases.length, sent, unsendable, validSent, validAccepted, validRefused, statuses, findings };
}
