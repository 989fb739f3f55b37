import type { FindingReport, OperationReport, Secret } from './operation-fuzzer.js';

const SHOWN_BODY_CHARACTERS = 600;

/** Replaces every secret in `text` by its label, longest first (a token can contain a shorter secret). */
function redact(text: string, secrets: readonly Secret[]): string {
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.value.length - a.value.length)) {
    if (secret.value.length > 0) result = result.split(secret.value).join(`<${secret.label}>`);
  }
  return result;
}

/** Characters that would corrupt or hide in a terminal: shown as `\u{…}` escapes. */
const INVISIBLE = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;

function shown(text: string): string {
  const cut = text.length > SHOWN_BODY_CHARACTERS ? `${text.slice(0, SHOWN_BODY_CHARACTERS)}… (${text.length} characters)` : text;
  return cut.replace(INVISIBLE, (character) => `\\u{${character.charCodeAt(0).toString(16)}}`);
}

/** One finding as a reader needs it: what, which case, how to replay, the exact request (secrets redacted), the answer. */
export function formatFinding(report: OperationReport, item: FindingReport, options: { secrets: readonly Secret[]; replay: string }): string {
  const { finding, fuzzCase, sent, response } = item;
  const lines = [
    `${report.operation.id}: ${finding.kind}: ${finding.message}`,
    `  case ${item.caseIndex + 1} of ${report.generated}, ${fuzzCase.mutation === undefined ? 'a valid request' : `mutated (${fuzzCase.mutation})`}, as ${fuzzCase.request.identity}`,
    `  replay: ${options.replay}`,
    `  request: ${sent.method} ${sent.target}`,
    ...Object.entries(sent.headers).map(([name, value]) => `    ${name}: ${shown(value)}`),
    ...(sent.body === undefined ? [] : [`    ${shown(sent.body)}`]),
    response === undefined ? '  response: none' : `  response: ${response.status} ${response.contentType ?? '(no content type)'} ${shown(response.body)}`,
  ];
  return redact(lines.join('\n'), options.secrets);
}

/** A line per operation: what was sent and what came back (and why a valid request was refused, when one was). */
export function formatSummary(report: OperationReport, secrets: readonly Secret[]): string {
  const statuses = Object.entries(report.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  const refused =
    report.validRefused === undefined
      ? ''
      : `\n  a valid request refused: ${report.validRefused.request.method} ${shown(report.validRefused.request.target.slice(0, 200))} ${shown(report.validRefused.request.body?.slice(0, 200) ?? '')} → ${shown(report.validRefused.response.body.slice(0, 200))}`;
  return redact(
    `${report.operation.id}: ${report.sent} sent (${report.validSent} valid, ${report.validAccepted} accepted)${report.unsendable > 0 ? `, ${report.unsendable} unsendable` : ''}; ${statuses}; ${report.findings.length} finding(s)${refused}`,
    secrets,
  );
}
