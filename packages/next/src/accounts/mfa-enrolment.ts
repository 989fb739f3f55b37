import type { ClientInfoReader } from '../backend/client-info.js';
import type { UserServiceClient } from '../backend/user-service-client.js';
import { MfaExpiredError } from '../errors.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';
import type { MfaCookies, PendingMfa } from '../mfa/mfa-cookies.js';
import { factorEnrolment, type FactorEnrolment } from './mfa-factors.js';

/**
 * Enrolment before any session, for a user who must have a second factor (MFA_REQUIRED_ROLES or an admin's
 * requirement) and has none: sign-in answered `enrollment_required` and left the pending sign-in in its sealed cookie.
 * These calls use that `mfaToken` (`Authorization: MFA …`) in place of a session, from server actions of the enrolment
 * page (`publicAction`: same origin, no session). Once the first factor is confirmed the pending sign-in owes that
 * factor: the page then finishes with `finishSignInWithCode` (the next code of the app: a code is accepted once only,
 * RFC 6238 §5.2) or `finishSignInWithPasskey`. Throws `MfaExpiredError` when there is no pending enrolment.
 */
export interface MfaEnrolment extends FactorEnrolment {
  /** Where the pending sign-in stands, for the page to show the right step; `null` when there is none. */
  pending(): Promise<Pick<PendingMfa, 'stage' | 'methods'> | null>;
}

export function createMfaEnrolment(parts: {
  backend: UserServiceClient;
  context: RequestContext;
  mfaCookies: MfaCookies;
  clientInfo: ClientInfoReader;
  logger: Logger;
}): MfaEnrolment {
  const { backend, context, mfaCookies, clientInfo, logger } = parts;

  async function pendingEnrolment(): Promise<PendingMfa> {
    const pending = await mfaCookies.pendingMfaOf((await context.headers()).get('cookie'));
    if (pending === null || pending.stage !== 'enrollment') throw new MfaExpiredError();
    return pending;
  }

  const enrolment = factorEnrolment(async ({ method, path, body }) => {
    const pending = await pendingEnrolment();
    const client = clientInfo.of(await context.headers());
    const answer = await backend.mfaCall({ method, path, credential: { mfaToken: pending.mfaToken }, body, client });
    logger.info({ event: 'mfa.enrolment', path, status: answer.status, ip: client.ip }, 'enrolment call before sign-in');
    return answer;
  }, 'enrolment');

  /** The factor is confirmed: the same pending sign-in now owes that factor, and finishes like any other. */
  async function owe(methods: PendingMfa['methods']): Promise<void> {
    const pending = await pendingEnrolment();
    const cookie = await mfaCookies.pendingMfaCookie({ mfaToken: pending.mfaToken, stage: 'second_factor', methods });
    await context.setCookie(cookie.name, cookie.value, cookie.attributes);
  }

  return {
    async pending() {
      const pending = await mfaCookies.pendingMfaOf((await context.headers()).get('cookie'));
      return pending === null ? null : { stage: pending.stage, methods: pending.methods };
    },
    startTotp: () => enrolment.startTotp(),
    passkeyRegistrationOptions: () => enrolment.passkeyRegistrationOptions(),
    async confirmTotp(code) {
      const recoveryCodes = await enrolment.confirmTotp(code);
      await owe(['totp', 'recovery_code']);
      return recoveryCodes;
    },
    async registerPasskey(input) {
      const created = await enrolment.registerPasskey(input);
      await owe(['webauthn']);
      return created;
    },
  };
}
