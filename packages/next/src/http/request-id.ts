import { REQUEST_ID_PATTERN } from '@portcullis/contracts';

/** The header that carries one request's id from the browser through the app to the user-service. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** The id when it is well formed, otherwise `undefined`. */
export function wellFormedRequestId(value: string | null | undefined): string | undefined {
  // The shape the user-service accepts too; anything else could carry log injection (new lines, quotes) or unbounded
  // data into every log line of the request.
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value) ? value : undefined;
}

/**
 * The id for a request arriving at the app: a well-formed one from upstream (a load balancer or the caller)
 * is kept so a trace can start before us; otherwise a fresh random one.
 */
export function acceptRequestId(incoming: string | null | undefined): string {
  return wellFormedRequestId(incoming) ?? globalThis.crypto.randomUUID();
}
