import type { ClientInfoReader } from '../backend/client-info.js';
import type { UserServiceClient } from '../backend/user-service-client.js';
import { InvalidInputError } from '../errors.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';
import { done } from './mfa-factors.js';

/**
 * An administrator's hold on other users' second factors, with the admin's own access token (from a `protectedAction`
 * with `{ role: 'ADMIN', mfa: true }`). The service asks for a recent step-up (`StepUpRequiredError`), audits and
 * notifies the user; a reset is how someone who lost every factor and every recovery code gets back in.
 */
export interface AdminMfa {
  /** Removes every factor of the user (TOTP, passkeys, recovery codes) and ends their sessions. */
  resetFactors(input: { accessToken: string; userId: string }): Promise<void>;
  /** Requires a second factor of this user whatever their role (`required: false` leaves it to the role policy). */
  setMfaRequired(input: { accessToken: string; userId: string; required: boolean }): Promise<void>;
}

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function createAdminMfa(parts: { backend: UserServiceClient; context: RequestContext; logger: Logger; clientInfo: ClientInfoReader }): AdminMfa {
  const { backend, context, logger, clientInfo } = parts;

  async function run(what: 'reset' | 'required', request: { method: 'DELETE' | 'PUT'; userId: string; accessToken: string; body?: unknown }): Promise<void> {
    if (!USER_ID.test(request.userId)) throw new InvalidInputError(['userId']);
    const client = clientInfo.of(await context.headers());
    const path = what === 'reset' ? `/v1/users/${request.userId}/mfa` : `/v1/users/${request.userId}/mfa/required`;
    const answer = await backend.mfaCall({ method: request.method, path, credential: { accessToken: request.accessToken }, body: request.body, client });
    done(answer, 'session');
    logger.info({ event: 'admin.mfa', what, userId: request.userId, ip: client.ip }, 'second-factor administration accepted');
  }

  return {
    resetFactors: ({ accessToken, userId }) => run('reset', { method: 'DELETE', userId, accessToken }),
    setMfaRequired: ({ accessToken, userId, required }) => run('required', { method: 'PUT', userId, accessToken, body: { required } }),
  };
}
