import { APP_CREDENTIAL_HEADER } from '@portcullis/contracts';
import { afterAll, describe, test } from 'vitest';
import {
  formatFinding,
  formatSummary,
  fuzzOperation,
  listOperations,
  ResponseChecker,
  ValuePool,
  type FuzzTarget,
  type OpenApiDocument,
  type Operation,
  type OperationReport,
} from '../src/index.js';
import { fuzzSettings, replayCommands } from './fuzz-settings.js';
import { UserServiceIdentities } from './user-service-identities.js';
import { startUserService } from './user-service-process.js';

/**
 * The user-service fuzzed against its own OpenAPI document: every operation gets valid and mutated requests as USER,
 * ADMIN and anonymous; no answer may be a 5xx, use an undocumented status or content type, break its schema, accept
 * a request the document calls invalid, or carry a secret. `FUZZ_SEED=… npm run test:fuzz` replays a run.
 */

/** Operations that check a password run last: their failures count against the accounts the fuzz signs in as. */
const CHECKS_PASSWORD = /\/(login|step-up|sign-in)$/;

/**
 * Lists before creations before operations on one thing, so ids handed out by the earlier ones (requests, sessions,
 * users) are in the pool when the operations that name them run; password checks last.
 */
function plannedOrder(operations: readonly Operation[]): Operation[] {
  const rank = (operation: Operation): number => {
    if (CHECKS_PASSWORD.test(operation.path)) return 4;
    const onOneThing = operation.path.includes('{');
    if (operation.method === 'get') return onOneThing ? 2 : 0;
    return onOneThing ? 3 : 1;
  };
  return [...operations].sort((a, b) => rank(a) - rank(b));
}

/** The operations to fuzz, from the running service's document. */
async function operationsToFuzz(baseUrl: string): Promise<{ document: OpenApiDocument; operations: Operation[] }> {
  const answer = await fetch(new URL('/openapi.json', baseUrl));
  if (!answer.ok) throw new Error(`GET /openapi.json answered ${answer.status}: the user-service serves no OpenAPI document to fuzz`);
  const document = (await answer.json()) as OpenApiDocument;
  const all = listOperations(document);
  const unknown = settings.operations.filter((id) => !all.some((operation) => operation.id === id));
  if (unknown.length > 0) throw new Error(`FUZZ_OPERATIONS names operations the document does not have: ${unknown.join(', ')}`);
  return { document, operations: plannedOrder(settings.operations.length === 0 ? all : all.filter((operation) => settings.operations.includes(operation.id))) };
}

const settings = fuzzSettings(process.env);
const service = await startUserService();
// Read before any test is declared (the tests are the operations); a file that fails to load runs no hooks, so stop here.
const { document, operations } = await operationsToFuzz(service.baseUrl).catch(async (error: unknown) => {
  await service.stop();
  throw error;
});
afterAll(async () => {
  await service.stop();
});

const pool = new ValuePool();
const identities = new UserServiceIdentities({ baseUrl: service.baseUrl, password: service.demoPassword, pool });
const target: FuzzTarget = {
  baseUrl: service.baseUrl,
  document,
  checker: new ResponseChecker(document),
  identities,
  secretHeaders: { [APP_CREDENTIAL_HEADER]: service.appCredential },
  secrets: () => [...identities.secrets(), { label: 'app credential', value: service.appCredential }, { label: 'demo password', value: service.demoPassword }],
  pool,
  requestTimeoutMs: settings.requestTimeoutMs,
};

console.log(
  `openapi fuzz: seed ${settings.seed}, ${operations.length} operations, ${settings.runs} cases each, ${settings.timeLimitMs / 1000} s in all; replay with FUZZ_SEED=${settings.seed} npm run test:fuzz`,
);

const fuzzStarted = Date.now();
const reports: OperationReport[] = [];

describe.sequential(`user-service against its OpenAPI document (seed ${settings.seed})`, () => {
  for (const [index, operation] of operations.entries()) {
    test(operation.id, { timeout: settings.timeLimitMs + 60_000 }, async () => {
      // Each operation gets an even share of the time still left, so a slow one cannot starve those after it.
      const left = settings.timeLimitMs - (Date.now() - fuzzStarted);
      const deadline = Date.now() + Math.max(0, left) / (operations.length - index);
      const report = await fuzzOperation(operation, target, { seed: settings.seed, runs: settings.runs, deadline, now: Date.now });
      reports.push(report);
      console.log(formatSummary(report, target.secrets()));
      const findings = report.findings.map((item) => formatFinding(report, item, { secrets: target.secrets(), replay: replayCommands(settings, operation.id) }));
      // Thrown as plain text, so each request reads as it was sent rather than as an escaped diff.
      if (findings.length > 0) throw new Error(`${findings.length} finding(s); the service's log: ${service.logFile}\n\n${findings.join('\n\n')}`);
    });
  }
});

afterAll(() => {
  const sent = reports.reduce((total, report) => total + report.sent, 0);
  console.log(
    `openapi fuzz: ${sent} requests to ${reports.length} operations in ${Math.round((Date.now() - fuzzStarted) / 1000)} s, ${identities.signInCount} sign-ins, seed ${settings.seed}`,
  );
});
