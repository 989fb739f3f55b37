import type { ClientInfoReader } from '../backend/client-info.js';
import type { UserServiceClient } from '../backend/user-service-client.js';
import { isPortcullisError } from '../errors.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';
import { accountRefusal } from './account-flows.js';
import { factorManagement, type FactorManagement } from './mfa-factors.js';

/**
 * The signed-in user's changes to their own credentials (docs/accounts.md), made server-side with their own access token
 * (from `protectedAction`) and the browser's address, since both check the password like a sign-in and are throttled
 * like one. Each resolves when the service accepted the change and otherwise throws a typed error:
 * `InvalidCredentialsError` (the password given is wrong), `WeakPasswordError`, `RateLimitedError`, `InvalidInputError`,
 * `BackendUnavailableError` (try again). Passwords go in the body only, never in a log.
 */
export interface MyAccount {
  /** Sets a new password; the service ends every other session of the user and keeps this one. */
  changePassword(input: { accessToken: string; currentPassword: string; newPassword: string }): Promise<void>;
  /** Asks to move the account to `newEmail`: a link to confirm goes there, a link to cancel to the current address. */
  changeEmail(input: { accessToken: string; newEmail: string; password: string }): Promise<void>;
  /**
   * The user's second factors (their security page): status, TOTP enrol/confirm/remove, recovery codes, passkeys. The
   * service asks for a recent step-up before a change (`StepUpRequiredError`); codes and secrets are never logged.
   */
  mfa(input: { accessToken: string }): FactorManagement;
}

export function createMyAccount(parts: { backend: UserServiceClient; context: RequestContext; logger: Logger; clientInfo: ClientInfoReader }): MyAccount {
  const { backend, context, logger, clientInfo } = parts;

  async function change(what: 'password' | 'email', accessToken: string, body: Readonly<Record<string, string>>): Promise<void> {
    const client = clientInfo.of(await context.headers());
    try {
      const answer = await backend.call({ method: 'POST', path: `/v1/me/${what}`, accessToken, body, client });
      if (answer.status < 200 || answer.status >= 300) throw accountRefusal(answer);
      logger.info({ event: 'account.change', what, ip: client.ip }, 'account change accepted');
    } catch (error) {
      if (isPortcullisError(error)) logger.warn({ event: 'account.change_refused', what, reason: error.code, ip: client.ip }, 'account change refused');
      throw error;
    }
  }

  return {
    changePassword: ({ accessToken, currentPassword, newPassword }) => change('password', accessToken, { currentPassword, newPassword }),
    changeEmail: ({ accessToken, newEmail, password }) => change('email', accessToken, { newEmail, password }),
    mfa: ({ accessToken }) =>
      factorManagement(async ({ method, path, body }) => {
        const client = clientInfo.of(await context.headers());
        const answer = await backend.mfaCall({ method, path, credential: { accessToken }, body, client });
        // The route and status only: bodies hold secrets, recovery codes and the user's passkey names.
        logger.info(
          { event: 'account.mfa', method, path: path.replace(/\/passkeys\/[^/]+$/, '/passkeys/:id'), status: answer.status, ip: client.ip },
          'second-factor call',
        );
        return answer;
      }),
  };
}
