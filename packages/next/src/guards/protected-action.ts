import { z } from 'zod';
import { InvalidInputError, isPortcullisError, type AuthErrorCode } from '../errors.js';
import { checkSameOrigin } from '../http/same-origin.js';
import type { Logger } from '../logging/logger.js';
import type { Guards, Requirement } from './guards.js';
import type { RequestContext } from './request-context.js';
import type { ServerSession } from './server-session.js';

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: AuthErrorCode; message: string; fields?: readonly string[] };

export interface ActionContext {
  session: ServerSession;
  /** For calls to the user-service on the user's behalf. */
  accessToken: string;
}

export interface ActionDefinition<S extends z.ZodType> extends Requirement {
  input: S;
  /** Names the action in the audit trail, e.g. `action:users.changeRole`. */
  resource: string;
}

/**
 * A server action, callable directly (`action(input)`) or through `useActionState` (`action(previous, formData)`).
 */
export interface ProtectedAction<I, T> {
  (input: I | FormData): Promise<ActionResult<T>>;
  (previous: ActionResult<T> | null, input: I | FormData): Promise<ActionResult<T>>;
}

export interface ProtectedActionParts {
  guards: Guards;
  context: RequestContext;
  appOrigin: string;
  logger: Logger;
}

/**
 * Wraps a server action so that its first lines are the guard: server actions are public POST endpoints
 * whatever page they sit on (Next.js data-security guide). It checks the origin (Next.js lets a request
 * without `Origin` through with a warning; we do not), the session, the role and scope (denials are
 * audited), then validates the input with zod before the handler sees it.
 */
export function createProtectedAction(parts: ProtectedActionParts) {
  return function protectedAction<S extends z.ZodType, T>(
    definition: ActionDefinition<S>,
    handler: (context: ActionContext, input: z.output<S>) => Promise<T>,
  ): ProtectedAction<z.input<S>, T> {
    return guardedAction(parts, definition, async (raw) => {
      const { session, accessToken } = await parts.guards.require(definition);
      return handler({ session, accessToken }, parseInput(definition.input, raw));
    });
  };
}

export interface PublicActionDefinition<S extends z.ZodType> {
  input: S;
  /** Names the action in logs, e.g. `action:approvals.signIn`. */
  resource: string;
}

/**
 * A server action for a page that authenticates by other means than the session — the approval popup, where the
 * approver proves who they are with their password for this one approval. Same origin check, input validation and
 * typed results as `protectedAction`, but no session is read or required.
 */
export function createPublicAction(parts: Omit<ProtectedActionParts, 'guards'>) {
  return function publicAction<S extends z.ZodType, T>(
    definition: PublicActionDefinition<S>,
    handler: (input: z.output<S>) => Promise<T>,
  ): ProtectedAction<z.input<S>, T> {
    return guardedAction(parts, definition, async (raw) => handler(parseInput(definition.input, raw)));
  };
}

function guardedAction<I, T>(parts: Omit<ProtectedActionParts, 'guards'>, definition: { resource: string }, body: (raw: unknown) => Promise<T>): ProtectedAction<I, T> {
  async function run(...args: [unknown] | [unknown, unknown]): Promise<ActionResult<T>> {
    const raw = args.length === 2 ? args[1] : args[0];
    try {
      const headers = await parts.context.headers();
      const origin = checkSameOrigin({ method: 'POST', headers: headersOf(headers) }, parts.appOrigin);
      if (!origin.ok) {
        parts.logger.warn({ event: 'action.csrf_rejected', resource: definition.resource, reason: origin.reason }, 'server action refused');
        return { ok: false, error: 'csrf_rejected', message: 'Cross-site request refused.' };
      }
      return { ok: true, data: await body(raw) };
    } catch (error) {
      // Typed failures become a result the UI can show; anything else (including Next's redirect and
      // forbidden interrupts) propagates untouched.
      if (!isPortcullisError(error)) throw error;
      return {
        ok: false,
        error: error.code,
        message: error.message,
        ...(error instanceof InvalidInputError ? { fields: error.fields } : {}),
      };
    }
  }
  return run as ProtectedAction<I, T>;
}

function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw instanceof FormData ? formDataObject(raw) : raw);
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues.map((issue) => issue.path.join('.') || '(input)'));
  return parsed.data;
}

function headersOf(reader: { get(name: string): string | null }): Headers {
  const headers = new Headers();
  for (const name of ['origin', 'sec-fetch-site']) {
    const value = reader.get(name);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}

/** Form fields as a plain object, without React's internal `$ACTION_…` fields. */
function formDataObject(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (key.startsWith('$ACTION')) continue;
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}
