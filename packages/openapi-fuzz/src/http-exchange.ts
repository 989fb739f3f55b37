import type { ObservedResponse } from './response-checker.js';
import type { SentRequest } from './fuzz-request.js';

export type ExchangeOutcome =
  | { readonly kind: 'answered'; readonly response: ObservedResponse }
  /** No answer within the time allowed: a hang is a finding. */
  | { readonly kind: 'no_answer'; readonly error: string }
  /** The HTTP client refused to send it (e.g. a NUL in a header value): nothing reached the server. */
  | { readonly kind: 'unsendable'; readonly error: string };

/** Sends one request and reads the whole answer, within `timeoutMs`. */
export async function exchange(baseUrl: string, request: SentRequest, timeoutMs: number): Promise<ExchangeOutcome> {
  let init: RequestInit;
  try {
    init = {
      method: request.method,
      headers: new Headers(request.headers as Record<string, string>),
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    };
  } catch (error) {
    return { kind: 'unsendable', error: String(error) };
  }
  let response: Response;
  try {
    response = await fetch(new URL(request.target, baseUrl), init);
  } catch (error) {
    // The client's own refusals (a URL it cannot build, a header value it will not write) never reached the server.
    const code = error instanceof TypeError && error.cause instanceof Error && 'code' in error.cause ? error.cause.code : undefined;
    if (error instanceof TypeError && (code === undefined || code === 'UND_ERR_INVALID_ARG')) return { kind: 'unsendable', error: String(error) };
    return {
      kind: 'no_answer',
      error: error instanceof Error ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error),
    };
  }
  try {
    const body = await response.text();
    return { kind: 'answered', response: { status: response.status, contentType: response.headers.get('content-type') ?? undefined, body } };
  } catch (error) {
    return { kind: 'no_answer', error: `the body did not arrive: ${String(error)}` };
  }
}
