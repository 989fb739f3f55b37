import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFinding } from './finding-report.js';
import { listOperations, type Operation } from './openapi-document.js';
import { fuzzCases, fuzzOperation, type FuzzBudget, type FuzzTarget, type OperationReport, type Secret } from './operation-fuzzer.js';
import { ResponseChecker } from './response-checker.js';
import { startPlantedApi, TOKENS, type PlantedApi } from './test-support/planted-api.js';
import { ValuePool } from './value-pool.js';

let api: PlantedApi;
let target: FuzzTarget;
const SECRETS: readonly Secret[] = [
  { label: 'USER token', value: TOKENS.USER },
  { label: 'ADMIN token', value: TOKENS.ADMIN },
];

beforeAll(async () => {
  api = await startPlantedApi();
  target = {
    baseUrl: api.baseUrl,
    document: api.document,
    checker: new ResponseChecker(api.document),
    identities: {
      names: ['USER', 'ADMIN', 'anonymous'],
      headerNames: ['authorization'],
      headers: async (name): Promise<Record<string, string>> => (name === 'USER' || name === 'ADMIN' ? { authorization: `Bearer ${TOKENS[name]}` } : {}),
      observe: () => undefined,
    },
    secretHeaders: {},
    secrets: () => SECRETS,
    pool: new ValuePool(),
    requestTimeoutMs: 5_000,
  };
});
afterAll(async () => {
  await api.close();
});

function operation(id: string): Operation {
  const found = listOperations(api.document).find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`${id} is not in the planted document`);
  return found;
}

function budget(seed: number, runs = 150): FuzzBudget {
  return { seed, runs, deadline: Number.POSITIVE_INFINITY, now: () => 0 };
}

function kinds(report: OperationReport): string[] {
  return report.findings.map((item) => item.finding.kind);
}

function printed(report: OperationReport): string[] {
  return report.findings.map((item) => formatFinding(report, item, { secrets: SECRETS, replay: '-' }));
}

describe('an API that keeps its document', () => {
  it('answers every valid request with 2xx and gives no finding, whatever the mutations', async () => {
    const report = await fuzzOperation(operation('POST /items/{id}'), target, budget(1, 300));

    expect(printed(report)).toEqual([]);
    expect(report.validSent).toBeGreaterThan(50);
    expect(report.validAccepted).toBe(report.validSent);
    expect(report.statuses).toMatchObject({ 201: expect.any(Number), 400: expect.any(Number), 415: expect.any(Number) });
  });

  it('tells USER, ADMIN and anonymous apart on a guarded route', async () => {
    const report = await fuzzOperation(operation('GET /reports'), target, budget(2));

    expect(printed(report)).toEqual([]);
    expect(report.statuses).toMatchObject({ 200: expect.any(Number), 401: expect.any(Number), 403: expect.any(Number) });
  });
});

describe('an API that breaks its document', () => {
  it('finds a planted 500 and prints the seed, the case and the request with tokens redacted', async () => {
    const report = await fuzzOperation(operation('GET /planted/crash'), target, budget(3));

    const crash = report.findings.find((item) => item.finding.kind === 'server_error');
    expect(crash).toBeDefined();
    const printed = formatFinding(report, crash!, { secrets: SECRETS, replay: 'FUZZ_SEED=3 npm run test:fuzz' });
    expect(printed).toContain('GET /planted/crash: server_error: answered 500');
    expect(printed).toContain('replay: FUZZ_SEED=3 npm run test:fuzz');
    expect(printed).toMatch(/request: GET \/planted\/crash\?n=/);
    expect(printed).not.toContain(TOKENS.USER);
    expect(printed).not.toContain(TOKENS.ADMIN);
    if (crash!.fuzzCase.request.identity !== 'anonymous') expect(printed).toMatch(/authorization: Bearer <(USER|ADMIN) token>/);
  });

  it('finds a status the operation does not document', async () => {
    const report = await fuzzOperation(operation('GET /planted/teapot'), target, budget(4));

    expect(kinds(report)).toContain('undocumented_status');
    expect(report.findings.find((item) => item.finding.kind === 'undocumented_status')?.finding.message).toBe('answered 418, documented: 200, 400');
  });

  it('finds a body that does not match its schema', async () => {
    const report = await fuzzOperation(operation('GET /planted/drift'), target, budget(5, 10));

    expect(report.findings[0]?.finding).toEqual({ kind: 'schema_mismatch', message: '200 application/json body does not match its schema: /count must be number' });
  });

  it('finds a content type the operation does not document', async () => {
    const report = await fuzzOperation(operation('GET /planted/html'), target, budget(6, 10));

    expect(report.findings[0]?.finding).toEqual({ kind: 'undocumented_content_type', message: '200 answered text/html, documented: application/json' });
  });

  it('finds an operation that requires credentials answering a caller without them', async () => {
    const report = await fuzzOperation(operation('GET /planted/open'), target, budget(12, 30));

    expect(report.findings.map((item) => item.finding)).toEqual([
      { kind: 'ignored_auth', message: 'answered 200 to a request without valid credentials, though the operation requires them' },
    ]);
    expect(['anonymous', 'USER', 'ADMIN']).toContain(report.findings[0]?.fuzzCase.request.identity);
  });

  it('finds a request that gets no answer in time', async () => {
    const report = await fuzzOperation(operation('GET /planted/hang'), { ...target, requestTimeoutMs: 200 }, budget(13, 2));

    expect(report.findings.map((item) => item.finding.kind)).toEqual(['no_answer']);
    expect(report.findings[0]?.finding.message).toMatch(/TimeoutError/);
  });

  it('finds a request its document calls invalid that was accepted anyway', async () => {
    const report = await fuzzOperation(operation('POST /planted/lenient'), target, budget(7));

    const accepted = report.findings.find((item) => item.finding.kind === 'invalid_request_accepted');
    expect(accepted?.finding.message).toMatch(/^answered 200 to a request that breaks its schema: body /);
  });
});

describe('generation', () => {
  const categories = (mutation: string | undefined): string =>
    mutation === undefined
      ? 'valid'
      : mutation.startsWith('authorization: ')
        ? 'authorization'
        : mutation.startsWith('body: ')
          ? 'malformed body'
          : (/: (wrong type|odd text|missing|repeated|nested|control character|not in enum|not declared|raw number|number|\d+ ×)/
              .exec(mutation)?.[1]
              ?.replace(/^\d+ ×$/, 'length') ?? mutation);

  it('mixes valid requests with every kind of mutation', () => {
    const cases = fc.sample(fuzzCases(operation('POST /items/{id}'), target), { seed: 8, numRuns: 1500 });

    const seen = new Set(cases.map((fuzzCase) => categories(fuzzCase.mutation)));
    for (const expected of [
      'valid',
      'wrong type',
      'odd text',
      'missing',
      'repeated',
      'nested',
      'control character',
      'not in enum',
      'not declared',
      'raw number',
      'number',
      'authorization',
      'length',
      'malformed body',
    ]) {
      expect(seen, expected).toContain(expected);
    }
  });

  it('generates the same cases from the same seed, and others from another', () => {
    const arbitrary = fuzzCases(operation('POST /items/{id}'), target);

    // Compared as JSON text: a case nested thousands of levels deep is beyond a recursive deep-equal.
    const sample = (seed: number): string => JSON.stringify(fc.sample(arbitrary, { seed, numRuns: 50 }));
    const first = sample(9);
    expect(sample(9)).toBe(first);
    expect(sample(10)).not.toBe(first);
  });

  it('sends nothing once the deadline has passed', async () => {
    let calls = 0;
    const report = await fuzzOperation(operation('GET /reports'), target, { seed: 11, runs: 100, deadline: 5, now: () => calls++ });

    expect(report.generated).toBe(100);
    expect(report.sent).toBe(5);
  });
});
