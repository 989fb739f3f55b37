import type { ClientInfoReader } from '../backend/client-info.js';
import type { UserServiceClient } from '../backend/user-service-client.js';
import { MfaExpiredError } from '../errors.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';
import { z } from 'zod';
import type { MfaCookies, PendingMfa } from '../mfa/mfa-cookies.js';
import { factorEnrolment, type FactorEnrolment } from './mfa-factors.js';

/** The part of an enrolment's answer that is a session: its refresh token, to end it. */
const enrolledLoginSchema = z.object({ login: z.object({ refreshToken: z.string().min(1) }) });

/**
 * Enrolment before any session, for a user who must have a second factor (MFA_REQUIRED_ROLES or an admin's
 * requirement) and has none: sign-in answered `enrollment_required` and left the pending sign-in in its sealed cookie.
 * These calls use that `mfaToken` (`Authorization: MFA …`) in place of a session, from server actions of the enrolment
 * page (`publicAction`: same origin, no session). Confirming the first factor spends the pending sign-in at the
 * service, whose answer carries a session this library does not take up: it is ended at once (no session lives that no
 * browser holds) and the cookie cleared, so the person signs in again with the password and the new factor. Throws
 * `MfaExpiredError` when there is no pending enrolment.
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
    const login = enrolledLoginSchema.safeParse(answer.body);
    if (answer.status < 300 && login.success) await backend.logout(login.data.login.refreshToken, client);
    return answer;
  }, 'enrolment');

  /** The factor is confirmed and the pending sign-in spent: its cookie is worth nothing now. */
  async function endPending(): Promise<void> {
    await context.setCookie(mfaCookies.pendingMfaName, '', { ...mfaCookies.attributes, maxAge: 0 });
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
      await endPending();
      return recoveryCodes;
    },
    async registerPasskey(input) {
      const created = await enrolment.registerPasskey(input);
      await endPending();
      return created;
    },
  };
}
