/** The header that carries one request's id from the browser through the app to the user-service. */
export const REQUEST_ID_HEADER = 'x-request-id';

// The user-service accepts exactly this shape (services/user-service/src/app.ts); anything else could carry
// log injection (new lines, quotes) or unbounded data into every log line of the request.
const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/;

/** The id when it is well formed, otherwise `undefined`. */
export function wellFormedRequestId(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && WELL_FORMED.test(value) ? value : undefined;
}

/**
 * The id for a request arriving at the app: a well-formed one from upstream (a load balancer or the caller)
 * is kept so a trace can start before us; otherwise a fresh random one.
 */
export function acceptRequestId(incoming: string | null | undefined): string {
  return wellFormedRequestId(incoming) ?? globalThis.crypto.randomUUID();
}
