import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { CredentialPurpose } from '../passwords/verify-credentials.js';
import { clientContext } from './client.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks a password: input refused here is audited as a failed sign-in of this purpose. */
    credentialCheck?: CredentialPurpose;
  }
}

/**
 * What no text field may carry (OWASP ASVS 5.0 §2.2.1: input is validated against what it may be): control
 * characters (C0 with NUL, DEL, C1; PostgreSQL cannot store NUL in text), unpaired UTF-16 surrogates (not Unicode
 * text: stored as U+FFFD, so not what was sent), and the bidirectional embeddings, overrides and isolates that make
 * text display unlike what it is (Unicode TR 9, CVE-2021-42574). With the `u` flag, `\p{Cs}` matches only a
 * surrogate that is not half of a pair.
 */
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;

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

/** The path of the first string (value or key) in `value` that holds an unsafe character, or null when there is none. */
function findUnsafeText(value: unknown, path: readonly string[] = []): readonly string[] | null {
  if (typeof value === 'string') return isUnsafeText(value) ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafeText(item, [...path, String(index)]);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      // A key that is itself unsafe cannot be named: point at its parent.
      if (isUnsafeText(key)) return path;
      const found = findUnsafeText(item, [...path, key]);
      if (found !== null) return found;
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
