export { formatFinding, formatSummary } from './finding-report.js';
export { listOperations, OpenApiDocumentError, type OpenApiDocument, type Operation } from './openapi-document.js';
export { fuzzOperation, type FindingReport, type FuzzBudget, type FuzzTarget, type Identities, type OperationReport, type Secret } from './operation-fuzzer.js';
export { ResponseChecker, type Finding, type FindingKind, type ObservedResponse } from './response-checker.js';
export { ValuePool } from './value-pool.js';
