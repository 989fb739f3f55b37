import { errorBodySchema } from '@portcullis/contracts';
import { backendRefusal, type BackendResponse } from '../backend/backend-refusal.js';
import type { ClientInfoReader } from '../backend/client-info.js';
import type { AccountPath, UserServiceClient } from '../backend/user-service-client.js';
import {
  InvalidAccountLinkError,
  InvalidInputError,
  isPortcullisError,
  RateLimitedError,
  SignupClosedError,
  WeakPasswordError,
  type PortcullisError,
} from '../errors.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';

/**
 * The public account calls behind the app's account pages (docs/accounts.md), made server-side with the app credential
 * and the browser's address, so the user-service throttles per browser. Each resolves when the service accepted the
 * request and otherwise throws a typed error that `publicAction` hands to the page as `{ ok: false, error }`:
 * `InvalidAccountLinkError` (`invalid_token`: the mail's link is unknown, used, expired or replaced),
 * `WeakPasswordError` (`weak_password`, with the policy's reason), `SignupClosedError` (`signup_closed`),
 * `RateLimitedError` (`rate_limited`), `BackendUnavailableError` (`backend_unavailable`: try again — never "refused").
 * Tokens and passwords are sent in the body only, never logged.
 */
export interface AccountFlows {
  /** Mails a reset link when the address has an active account; the same answer for every address (ASVS 5.0 §6.3.8). */
  forgotPassword(input: { email: string }): Promise<void>;
  /** Spends the reset link's token on a new password; the service then ends every session of the user. */
  resetPassword(input: { token: string; password: string }): Promise<void>;
  /** Open sign-up (SIGNUP=open): the account is usable once the mailed link is followed. */
  signUp(input: { email: string; password: string; name: string }): Promise<void>;
  verifyEmail(input: { token: string }): Promise<void>;
  /** Mails the verification link again; the same answer for every address. */
  resendVerification(input: { email: string }): Promise<void>;
  acceptInvitation(input: { token: string; password: string; name: string }): Promise<void>;
  /** Confirms a change of email address from the link mailed to the new address. */
  confirmEmail(input: { token: string }): Promise<void>;
  /** Cancels a change of email address from the link mailed to the old one; the service then asks for a new password. */
  cancelEmailChange(input: { token: string }): Promise<void>;
}

type AccountFlowName = keyof AccountFlows;

const FLOW_PATHS: Readonly<Record<AccountFlowName, AccountPath>> = {
  forgotPassword: '/v1/auth/password/forgot',
  resetPassword: '/v1/auth/password/reset',
  signUp: '/v1/auth/signup',
  verifyEmail: '/v1/auth/email/verify',
  resendVerification: '/v1/auth/email/verify/resend',
  acceptInvitation: '/v1/auth/invitations/accept',
  confirmEmail: '/v1/auth/email/confirm',
  cancelEmailChange: '/v1/auth/email/cancel',
};

/** The typed error for a refusal of an account call; anything unexpected goes the library's general way (`backendRefusal`). */
export function accountRefusal(answer: BackendResponse): PortcullisError {
  const body = errorBodySchema.safeParse(answer.body);
  const code = body.success ? body.data.error : undefined;
  switch (code) {
    case 'invalid_token':
      return new InvalidAccountLinkError();
    case 'weak_password':
      return new WeakPasswordError(body.data?.message);
    case 'signup_closed':
      return new SignupClosedError();
    case 'rate_limited': {
      const retryAfter = Number.parseInt(answer.headers.get('retry-after') ?? '', 10);
      return new RateLimitedError(Number.isFinite(retryAfter) ? retryAfter : undefined, { of: 'account' });
    }
    case 'invalid_request':
      return new InvalidInputError([]);
    default:
      return backendRefusal(answer);
  }
}

export function createAccountFlows(parts: { backend: UserServiceClient; context: RequestContext; logger: Logger; clientInfo: ClientInfoReader }): AccountFlows {
  const { backend, context, logger, clientInfo } = parts;

  async function run(flow: AccountFlowName, body: Readonly<Record<string, string>>): Promise<void> {
    const client = clientInfo.of(await context.headers());
    try {
      const answer = await backend.accountCall(FLOW_PATHS[flow], body, client);
      if (answer.status < 200 || answer.status >= 300) throw accountRefusal(answer);
      logger.info({ event: 'account.flow', flow, ip: client.ip }, 'account request accepted');
    } catch (error) {
      // The code only: the body holds the token or password, and the email is nobody's business in a log.
      if (isPortcullisError(error)) logger.warn({ event: 'account.flow_refused', flow, reason: error.code, ip: client.ip }, 'account request refused');
      throw error;
    }
  }

  return {
    forgotPassword: ({ email }) => run('forgotPassword', { email }),
    resetPassword: ({ token, password }) => run('resetPassword', { token, password }),
    signUp: ({ email, password, name }) => run('signUp', { email, password, name }),
    verifyEmail: ({ token }) => run('verifyEmail', { token }),
    resendVerification: ({ email }) => run('resendVerification', { email }),
    acceptInvitation: ({ token, password, name }) => run('acceptInvitation', { token, password, name }),
    confirmEmail: ({ token }) => run('confirmEmail', { token }),
    cancelEmailChange: ({ token }) => run('cancelEmailChange', { token }),
  };
}
