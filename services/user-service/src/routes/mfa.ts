import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mfaStatusSchema, recoveryCodesSchema, totpConfirmBodySchema, totpConfirmedSchema, totpEnrollmentSchema, type TotpConfirmed } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { ApiError, invalidToken } from '../errors.js';
import { accountOf, principalOf } from '../http/access-control.js';
import { PUBLIC, signedIn } from '../http/access-rule.js';
import { appHeaders } from '../http/client-address.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';
import { enrollingCaller, type EnrollingCaller } from '../mfa/enrolling-caller.js';
import { factorsOf, mfaStatusOf } from '../mfa/mfa-factors.js';
import { invalidMfa } from '../mfa/second-factor.js';
import { finishEnrollment } from '../mfa/sign-in-flow.js';
import { rateLimited } from '../passwords/verify-credentials.js';
import { signedInAnswer } from './auth.js';

const OWN_FACTORS = signedIn({ scope: 'profile:read' });
// Removing or replacing a factor needs a recent proof of the user (RFC 9470), read from the database, not the cache.
const CHANGE_FACTORS = signedIn({ scope: 'sessions:manage', session: 'fresh', recentAuthentication: true });
/**
 * Enrolment calls: the caller's session (recently proven), or `Authorization: MFA <mfaToken>` of a sign-in that must
 * enrol a first factor before any session exists. The route is public to the access hook; its own preValidation hook
 * (enrollingCaller) admits the caller before the input is read, and answers 401 as the hook would.
 */
const ENROLLING = PUBLIC;
const ENROLLING_REFUSALS = ['invalid_token', 'insufficient_scope', 'insufficient_user_authentication'] as const;

const callers = new WeakMap<FastifyRequest, EnrollingCaller>();

function callerOf(request: FastifyRequest): EnrollingCaller {
  const caller = callers.get(request);
  if (caller === undefined) throw new Error(`${request.method} ${request.routeOptions.url ?? ''} has no enrolling caller`);
  return caller;
}

function noStore(reply: FastifyReply): FastifyReply {
  // Secrets and recovery codes are shown once: never kept by a cache (OWASP ASVS 5.0 §14.3.2).
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** The caller's own second factors: status, TOTP enrolment and removal, recovery codes (docs/mfa.md). */
export function registerMfaRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { audit } = context;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const admitEnrolling = async (request: FastifyRequest): Promise<void> => {
    callers.set(request, await enrollingCaller(context, request));
  };

  routes.route({
    method: 'GET',
    url: '/v1/me/mfa',
    config: { access: OWN_FACTORS },
    schema: {
      operationId: 'getMyMfa',
      tags: ['mfa'],
      summary: "The caller's second factors: TOTP, how many passkeys and recovery codes, and whether a second factor is required.",
      headers: appHeaders,
      response: routeResponses(OWN_FACTORS, { 200: mfaStatusSchema }, { method: 'GET' }),
    },
    handler: async (request) => mfaStatusOf(context, accountOf(request)),
  });

  routes.route({
    method: 'POST',
    url: '/v1/me/mfa/totp',
    config: { access: ENROLLING },
    preValidation: admitEnrolling,
    schema: {
      operationId: 'beginTotpEnrollment',
      tags: ['mfa'],
      summary: 'Starts a TOTP enrolment (RFC 6238): a new secret, as text and as an otpauth:// URL for a QR code; confirmed by one valid code.',
      headers: appHeaders,
      body: z.strictObject({}).optional(),
      response: routeResponses(ENROLLING, { 201: totpEnrollmentSchema }, { method: 'POST', refuses: [...ENROLLING_REFUSALS, 'conflict'] }),
    },
    handler: async (request, reply) => {
      const { user } = callerOf(request);
      const begun = await factorsOf(context).totp.begin(user);
      if (begun === null) throw new ApiError('conflict', 'An authenticator app is already set up: remove it first to set up another.');
      return noStore(reply).code(201).send(begun);
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/me/mfa/totp/confirm',
    config: { access: ENROLLING },
    preValidation: admitEnrolling,
    schema: {
      operationId: 'confirmTotpEnrollment',
      tags: ['mfa'],
      summary: 'Confirms the TOTP enrolment with one valid code: ten recovery codes (shown once); through an enrolment mfaToken, also the sign-in it finishes.',
      headers: appHeaders,
      body: totpConfirmBodySchema,
      response: routeResponses(ENROLLING, { 200: totpConfirmedSchema }, { method: 'POST', refuses: [...ENROLLING_REFUSALS, 'invalid_mfa', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const { user } = caller;
      const client = clientContext(request);
      const sid = caller.kind === 'session' ? caller.principal.sid : null;
      const { totp, recoveryCodes } = factorsOf(context);
      const ip = client.ip ?? 'unknown';
      // Confirmation codes are guesses like any other (OWASP ASVS 5.0 §6.3.1).
      const verdict = await context.throttles.admitSecondFactor(user.id, ip);
      if (!verdict.allowed) {
        await audit.record({ type: 'mfa.failed', userId: user.id, sid, ...client, reason: 'throttled', detail: { method: 'totp', purpose: 'enrollment' } });
        throw rateLimited(verdict.retryAfterSeconds);
      }
      let check;
      try {
        check = await totp.check(user.id, request.body.code, 'pending');
      } catch (error) {
        await context.throttles.releaseSecondFactor(user.id, ip);
        throw error;
      }
      if (check.kind !== 'matched') {
        await audit.record({ type: 'mfa.failed', userId: user.id, sid, ...client, reason: 'wrong_code', detail: { method: 'totp', purpose: 'enrollment' } });
        throw invalidMfa();
      }
      await context.throttles.recordSecondFactorSuccess(user.id, ip);
      // A sign-in that had to enrol first is finished by this factor: its mfaToken is spent before anything is kept.
      const finished = caller.kind === 'enrollment' ? await finishEnrollment(context, { mfaToken: caller.mfaToken, factorAmr: ['otp'], client }) : null;
      if (caller.kind === 'enrollment' && finished === null) throw invalidMfa();
      const codes = await context.database.db.transaction(async (tx) => {
        if (!(await totp.confirm(user.id, check.step, tx))) return null;
        return recoveryCodes.regenerate(tx, user.id);
      });
      if (codes === null) throw invalidMfa();
      await audit.record({ type: 'mfa.enrolled', userId: user.id, sid, ...client, detail: { method: 'totp' } });
      const answer: TotpConfirmed =
        finished === null ? { recoveryCodes: codes } : { recoveryCodes: codes, login: await signedInAnswer(context, { ...finished, client }) };
      return noStore(reply).send(answer);
    },
  });

  routes.route({
    method: 'DELETE',
    url: '/v1/me/mfa/totp',
    config: { access: CHANGE_FACTORS },
    schema: {
      operationId: 'removeTotp',
      tags: ['mfa'],
      summary: "Removes the caller's authenticator app (after a recent step-up); with no passkey left, the recovery codes go too.",
      headers: appHeaders,
      response: routeResponses(CHANGE_FACTORS, { 204: z.undefined() }, { method: 'DELETE', refuses: ['not_found'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const client = clientContext(request);
      const { totp, recoveryCodes } = factorsOf(context);
      if (!(await totp.remove(principal.userId))) throw new ApiError('not_found', 'No authenticator app is set up.');
      // Recovery codes stand in for a factor; with none left they would be a factor of their own.
      if ((await context.passkeys.countOf(principal.userId)) === 0) await recoveryCodes.removeAll(context.database.db, principal.userId);
      await audit.record({ type: 'mfa.removed', userId: principal.userId, sid: principal.sid, ...client, detail: { method: 'totp' } });
      return reply.code(204).send();
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/me/mfa/recovery-codes',
    config: { access: CHANGE_FACTORS },
    schema: {
      operationId: 'regenerateRecoveryCodes',
      tags: ['mfa'],
      summary: 'Ten new recovery codes (shown once); every earlier one stops working. Needs a recent step-up and a second factor.',
      headers: appHeaders,
      body: z.strictObject({}).optional(),
      response: routeResponses(CHANGE_FACTORS, { 200: recoveryCodesSchema }, { method: 'POST', refuses: ['conflict'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const client = clientContext(request);
      const account = await context.users.findById(principal.userId);
      if (account === null) throw invalidToken('account no longer exists');
      const status = await mfaStatusOf(context, account);
      if (!status.totp && status.passkeys === 0) throw new ApiError('conflict', 'Set up a passkey or an authenticator app first: recovery codes stand in for one.');
      const { recoveryCodes } = factorsOf(context);
      const codes = await context.database.db.transaction((tx) => recoveryCodes.regenerate(tx, principal.userId));
      await audit.record({ type: 'mfa.recovery_codes_regenerated', userId: principal.userId, sid: principal.sid, ...client });
      return noStore(reply).send({ recoveryCodes: codes });
    },
  });
}
