import type { Role, Scope } from '@portcullis/contracts';
import { forbidden, redirect } from 'next/navigation';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import { safeCallbackPath } from '../http/callback-url.js';
import { PATH_HEADER } from '../proxy/create-proxy.js';
import type { GuardOptions, Guards } from './guards.js';
import type { RequestContext } from './request-context.js';
import type { ServerSession } from './server-session.js';

export interface PageGuards {
  requireSession(options?: GuardOptions): Promise<ServerSession>;
  requireRole(role: Role, options?: GuardOptions): Promise<ServerSession>;
  requireScope(scope: Scope, options?: GuardOptions): Promise<ServerSession>;
}

/**
 * The guards for server components: no session → redirect to sign-in (the 401 of a page), wrong role or
 * scope → Next's `forbidden()` (403, needs `experimental.authInterrupts`). `{ mfa: true }` and `maxAgeSeconds` refusals
 * (`MfaRequiredError`, `StepUpRequiredError`) are thrown on: the page decides whether to offer enrolment or step-up.
 */
export function createPageGuards(options: { guards: Guards; context: RequestContext; signInPath: string; appOrigin: string }): PageGuards {
  async function guarded(check: () => Promise<ServerSession>): Promise<ServerSession> {
    try {
      return await check();
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        const back = safeCallbackPath((await options.context.headers()).get(PATH_HEADER), options.appOrigin);
        redirect(`${options.signInPath}?callbackUrl=${encodeURIComponent(back)}`);
      }
      if (error instanceof ForbiddenError) forbidden();
      throw error;
    }
  }
  return {
    requireSession: (guard) => guarded(() => options.guards.requireSession(guard)),
    requireRole: (role, guard) => guarded(() => options.guards.requireRole(role, guard)),
    requireScope: (scope, guard) => guarded(() => options.guards.requireScope(scope, guard)),
  };
}
