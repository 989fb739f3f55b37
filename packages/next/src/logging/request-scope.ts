import { AsyncLocalStorage } from 'node:async_hooks';
import { acceptRequestId, REQUEST_ID_HEADER } from '../http/request-id.js';
import type { Logger, LogFields } from './logger.js';

/** What the library knows about the request it is serving, for log lines and backend calls. */
interface RequestScope {
  readonly requestId: string;
}

const STORAGE = Symbol.for('@portcullis/next.requestScope');

/**
 * One store per process, not per bundle: Next.js bundles `proxy.ts` and the routes separately, and the
 * process-wide runtime (refresher, caches) built by one bundle calls the backend on behalf of the other.
 */
function storage(): AsyncLocalStorage<RequestScope> {
  const holder = globalThis as typeof globalThis & { [STORAGE]?: AsyncLocalStorage<RequestScope> };
  holder[STORAGE] ??= new AsyncLocalStorage<RequestScope>();
  return holder[STORAGE];
}

/** Runs `work` with `requestId` as the current request's id, for every log line and backend call inside it. */
export function runInRequestScope<T>(requestId: string, work: () => T): T {
  return storage().run({ requestId }, work);
}

/**
 * Runs a route handler in the scope of its request's id: the one the proxy put on the request, or a fresh one
 * when the handler was reached without the proxy.
 */
export function runInScopeOf<T>(request: Request, work: () => T): T {
  return runInRequestScope(acceptRequestId(request.headers.get(REQUEST_ID_HEADER)), work);
}

/** The id of the request being served, when the code runs inside `runInRequestScope`. */
export function scopedRequestId(): string | undefined {
  return storage().getStore()?.requestId;
}

/**
 * Wraps a logger so every line written inside a request scope carries `reqId` — the same field name the
 * user-service uses, so one search finds a request's lines in both services.
 */
export function requestScopedLogger(logger: Logger): Logger {
  const withId = (fields: LogFields): LogFields => {
    const requestId = scopedRequestId();
    return requestId === undefined || 'reqId' in fields ? fields : { reqId: requestId, ...fields };
  };
  return {
    debug: (fields, message) => logger.debug(withId(fields), message),
    info: (fields, message) => logger.info(withId(fields), message),
    warn: (fields, message) => logger.warn(withId(fields), message),
    error: (fields, message) => logger.error(withId(fields), message),
  };
}
