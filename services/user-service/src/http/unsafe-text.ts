import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { CredentialPurpose } from '../passwords/verify-credentials.js';
import { clientContext } from './client.js';
import { UNSAFE_CHARACTER } from './unsafe-characters.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks a password: input refused here is audited as a failed sign-in of this purpose. */
    credentialCheck?: CredentialPurpose;
  }
}

/** A field path longer than this is not named in the message: it is the caller's own key, not one of ours. */
const MAX_NAMED_FIELD_LENGTH = 64;

type RequestPart = 'path' | 'query' | 'body';

/** Refused input: the message names the field, never its value. */
export class UnsafeTextError extends ApiError {
  constructor(
    readonly part: RequestPart,
    readonly field: string,
  ) {
    super('invalid_request', `Invalid ${part}: ${field} contains a control character, a bidirectional control or an unpaired surrogate.`);
  }
}

function isUnsafeText(text: string): boolean {
  return UNSAFE_CHARACTER.test(text);
}

/** A value met while walking the input, with the key that led to it, so the path is built only for a refusal. */
interface Visit {
  readonly value: unknown;
  readonly key: string | null;
  readonly parent: Visit | null;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let at: Visit | null = visit; at !== null && at.key !== null; at = at.parent) path.unshift(at.key);
  return path;
}

/**
 * The path of a string (value or key) in `value` that holds an unsafe character, or null when there is none. A loop
 * with its own stack, not recursion: a 16 KiB body can nest thousands of levels deep, more than the call stack holds.
 */
function findUnsafeText(value: unknown): string[] | null {
  const pending: Visit[] = [{ value, key: null, parent: null }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    if (typeof visit.value === 'string') {
      if (isUnsafeText(visit.value)) return pathOf(visit);
      continue;
    }
    if (typeof visit.value !== 'object' || visit.value === null) continue;
    for (const [key, item] of Object.entries(visit.value)) {
      // A key that is itself unsafe cannot be named: point at its parent.
      if (isUnsafeText(key)) return pathOf(visit);
      pending.push({ value: item, key, parent: visit });
    }
  }
  return null;
}

function refusalIn(part: RequestPart, value: unknown): UnsafeTextError | null {
  const found = findUnsafeText(value);
  if (found === null) return null;
  const field = found.join('.');
  return new UnsafeTextError(part, field === '' || field.length > MAX_NAMED_FIELD_LENGTH ? part : field);
}

function unsafePart(request: FastifyRequest): UnsafeTextError | null {
  return refusalIn('path', request.params) ?? refusalIn('query', request.query) ?? refusalIn('body', request.body);
}

/**
 * One check for every route, before any handler parses or stores input, so no route can forget it: a path parameter,
 * query value or body string with an unsafe character is refused with 400 `invalid_request`. On a route that checks a
 * password, the refusal is audited as a failed sign-in (reason `invalid_input`); the value itself is neither stored
 * nor logged, and it never reaches the password hasher or the throttles.
 */
export function registerUnsafeTextGuard(app: FastifyInstance, context: ServiceContext): void {
  // Callback form, like the other per-request hooks: no promise per request on the common path.
  app.addHook('preValidation', (request, _reply, done) => {
    const refusal = unsafePart(request);
    const purpose = request.routeOptions.config.credentialCheck;
    if (refusal === null || purpose === undefined) {
      done(refusal ?? undefined);
      return;
    }
    context.metrics.loginAttempts.inc({ outcome: 'failed' });
    context.audit
      .record({ type: 'login.failed', ...clientContext(request), reason: 'invalid_input', detail: { purpose, field: refusal.field } })
      .then(() => done(refusal), done);
  });
}
