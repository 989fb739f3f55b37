import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  mfaTokenBodySchema,
  passkeyAuthenticationBodySchema,
  passkeyRegisteredSchema,
  passkeyRegistrationBodySchema,
  passkeySchema,
  tokenResponseSchema,
  WEBAUTHN_CEREMONY_HEADER,
  webauthnCeremonySchema,
  webauthnOptionsSchema,
} from '@portcullis/contracts';
import { noticeSignIn } from '../accounts/security-notices.js';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import { principalOf } from '../http/access-control.js';
import { PUBLIC, signedIn } from '../http/access-rule.js';
import { appHeaders } from '../http/client-address.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';
import { enrollingCaller, type EnrollingCaller } from '../mfa/enrolling-caller.js';
import { passkeyAmr } from '../mfa/passkey-amr.js';
import { finishEnrollment } from '../mfa/sign-in-flow.js';
import { WebAuthnPasskeys } from '../mfa/webauthn-passkeys.js';
import { generateRefreshToken as generateSecret, hashRefreshToken as hashSecret } from '../tokens/refresh-token.js';
import { noStore, signedInAnswer, tokenResponse } from './auth.js';

// A change of factors needs a recent authentication (RFC 9470; OWASP ASVS 5.0 §6.3.5 asks it before factors change).
const CHANGE_PASSKEYS = signedIn({ scope: 'sessions:manage', recentAuthentication: true });
/**
 * Registration: a recently proven session, or `Authorization: MFA <mfaToken>` of a sign-in that must enrol a first
 * factor (enrollingCaller, in the route's own preValidation hook, before the input is read).
 */
const ENROLLING = PUBLIC;
const ENROLLING_REFUSALS = ['invalid_token', 'insufficient_user_authentication'] as const;
const LIST_PASSKEYS = signedIn({ scope: 'sessions:manage' });
const STEP_UP_OPTIONS = signedIn();

const noBody = z.strictObject({});
const passkeyIdParams = z.strictObject({ id: z.uuid() });
const ceremonyHeaders = appHeaders.extend({
  [WEBAUTHN_CEREMONY_HEADER]: webauthnCeremonySchema.describe('The ceremony value the options call answered with: the sign-in is bound to the browser that asked.'),
});

const callers = new WeakMap<FastifyRequest, EnrollingCaller>();

function callerOf(request: FastifyRequest): EnrollingCaller {
  const caller = callers.get(request);
  if (caller === undefined) throw new Error(`${request.method} ${request.routeOptions.url ?? ''} has no enrolling caller`);
  return caller;
}

/** What a registration challenge is bound to: the session, or the pending sign-in (its token hash, never the token). */
function registrationBinding(caller: EnrollingCaller): string {
  return caller.kind === 'session' ? caller.principal.sid : caller.pending.tokenHash;
}

function noPasskey(): ApiError {
  return new ApiError('invalid_mfa', 'No passkey can be used here.');
}

/**
 * Passkeys (WebAuthn Level 3, docs/mfa.md "Passkeys"): registering, listing and removing one's own; the options for a
 * passkey as second factor or for step-up; and the passwordless sign-in with a discoverable credential.
 */
export function registerPasskeyRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { audit } = context;
  // The same ceremonies as context.passkeys (all their state is in the database), with registration and the owner's list.
  const passkeys = new WebAuthnPasskeys(context.database.db, context.clock, context.config, audit);
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const admitEnrolling = async (request: FastifyRequest): Promise<void> => {
    callers.set(request, await enrollingCaller(context, request));
  };

  routes.route({
    method: 'POST',
    url: '/v1/me/passkeys/options',
    config: { access: ENROLLING },
    preValidation: admitEnrolling,
    schema: {
      operationId: 'passkeyRegistrationOptions',
      tags: ['mfa'],
      summary: 'Creation options for a new passkey of the caller (discoverable, user verification required), bound to this session or enrolment.',
      headers: appHeaders,
      body: noBody,
      response: routeResponses(ENROLLING, { 200: webauthnOptionsSchema }, { method: 'POST', refuses: ENROLLING_REFUSALS }),
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const options = await passkeys.creationOptions({ user: caller.user, boundTo: registrationBinding(caller) });
      return noStore(reply).send(options);
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/me/passkeys',
    config: { access: ENROLLING },
    preValidation: admitEnrolling,
    schema: {
      operationId: 'registerPasskey',
      tags: ['mfa'],
      summary: "Registers a passkey from the browser's answer to the creation options; through an enrolment mfaToken, also answers the sign-in it finishes.",
      headers: appHeaders,
      body: passkeyRegistrationBodySchema,
      response: routeResponses(ENROLLING, { 201: passkeyRegisteredSchema }, { method: 'POST', refuses: [...ENROLLING_REFUSALS, 'invalid_mfa', 'conflict'] }),
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const client = clientContext(request);
      const { name, response } = request.body;
      const passkey = await passkeys.register({ userId: caller.user.id, boundTo: registrationBinding(caller), name, response, client });
      if (caller.kind === 'session') return reply.code(201).send({ id: passkey.id });
      // The first factor of a sign-in that had to enrol: its mfaToken is spent now, and the sign-in finishes with both.
      const finished = await finishEnrollment(context, { mfaToken: caller.mfaToken, factorAmr: passkeyAmr(passkey.deviceType), client });
      if (finished === null) {
        await passkeys.remove({ userId: caller.user.id, id: passkey.id, sid: null, client });
        throw new ApiError('invalid_mfa', 'This sign-in has expired or was finished. Sign in again.');
      }
      return noStore(reply)
        .code(201)
        .send({ id: passkey.id, login: await signedInAnswer(context, { ...finished, client }) });
    },
  });

  routes.route({
    method: 'GET',
    url: '/v1/me/passkeys',
    config: { access: LIST_PASSKEYS },
    schema: {
      operationId: 'listPasskeys',
      tags: ['mfa'],
      summary: "The caller's passkeys: names, when registered and last used, and whether synced.",
      response: routeResponses(LIST_PASSKEYS, { 200: z.array(passkeySchema) }, { method: 'GET' }),
    },
    handler: async (request) => passkeys.list(principalOf(request).userId),
  });

  routes.route({
    method: 'DELETE',
    url: '/v1/me/passkeys/:id',
    config: { access: CHANGE_PASSKEYS },
    schema: {
      operationId: 'removePasskey',
      tags: ['mfa'],
      summary: 'Removes one of the caller’s passkeys.',
      params: passkeyIdParams,
      response: routeResponses(CHANGE_PASSKEYS, { 204: z.undefined() }, { method: 'DELETE', refuses: ['not_found'] }),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      // Scoped to the caller: another user's passkey is "not found", never removed (OWASP ASVS 5.0 §8.2.2).
      const removed = await passkeys.remove({ userId: principal.userId, id: request.params.id, sid: principal.sid, client: clientContext(request) });
      if (!removed) throw new ApiError('not_found', 'No such passkey.');
      return reply.code(204).send();
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/login/mfa/options',
    config: { access: PUBLIC },
    schema: {
      operationId: 'secondFactorPasskeyOptions',
      tags: ['auth'],
      summary: "Request options for the passkeys of a pending sign-in's user, bound to that sign-in (its mfaToken).",
      headers: appHeaders,
      body: mfaTokenBodySchema,
      response: routeResponses(PUBLIC, { 200: webauthnOptionsSchema }, { method: 'POST', refuses: ['invalid_mfa'] }),
    },
    handler: async (request, reply) => {
      const pending = await context.pendingSignIns.find(request.body.mfaToken, clientContext(request));
      if (pending?.stage !== 'second_factor') throw new ApiError('invalid_mfa', 'This sign-in has expired or was finished. Sign in again.');
      if ((await passkeys.countOf(pending.userId)) === 0) throw noPasskey();
      const options = await passkeys.requestOptions({ userId: pending.userId, purpose: 'second_factor', boundTo: pending.tokenHash });
      return noStore(reply).send(options);
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/step-up/options',
    config: { access: STEP_UP_OPTIONS },
    schema: {
      operationId: 'stepUpPasskeyOptions',
      tags: ['auth'],
      summary: "Request options for the caller's passkeys, bound to this session, to step up with (RFC 9470).",
      headers: appHeaders,
      body: noBody,
      response: routeResponses(STEP_UP_OPTIONS, { 200: webauthnOptionsSchema }, { method: 'POST', refuses: ['invalid_mfa'] }),
    },
    handler: async (request, reply) => {
      const { userId, sid } = principalOf(request);
      if ((await passkeys.countOf(userId)) === 0) throw noPasskey();
      return noStore(reply).send(await passkeys.requestOptions({ userId, purpose: 'step_up', boundTo: sid }));
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/passkey/options',
    config: { access: PUBLIC },
    schema: {
      operationId: 'passkeySignInOptions',
      tags: ['auth'],
      summary: `Request options for a passwordless sign-in with any discoverable passkey; the ${WEBAUTHN_CEREMONY_HEADER} answer header binds them to this browser.`,
      headers: appHeaders,
      body: noBody,
      response: routeResponses(PUBLIC, { 200: webauthnOptionsSchema }, { method: 'POST' }),
    },
    handler: async (request, reply) => {
      // The challenge is bound to a value only this browser holds (the app's httpOnly cookie), so an assertion made
      // for one browser's ceremony cannot finish another's (WebAuthn L3 §13.4.3).
      const ceremony = generateSecret();
      const options = await passkeys.requestOptions({ userId: null, purpose: 'passkey_sign_in', boundTo: hashSecret(ceremony) });
      return noStore(reply).header(WEBAUTHN_CEREMONY_HEADER, ceremony).send(options);
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/passkey',
    config: { access: PUBLIC },
    schema: {
      operationId: 'passkeySignIn',
      tags: ['auth'],
      summary: 'Signs in with a passkey alone: its user verification is the second factor (RFC 8176 `mfa`).',
      headers: ceremonyHeaders,
      body: passkeyAuthenticationBodySchema,
      response: routeResponses(PUBLIC, { 200: tokenResponseSchema }, { method: 'POST', refuses: ['invalid_mfa', 'email_unverified'] }),
    },
    handler: async (request, reply) => {
      const client = clientContext(request);
      const verified = await passkeys.verifyAssertion({
        userId: null,
        purpose: 'passkey_sign_in',
        boundTo: hashSecret(request.headers[WEBAUTHN_CEREMONY_HEADER]),
        response: request.body.response,
        client,
      });
      const user = await context.users.findById(verified.userId);
      if (user === null || user.disabled) {
        await audit.record({
          type: 'mfa.failed',
          userId: verified.userId,
          ...client,
          reason: 'account_disabled',
          detail: { method: 'webauthn', purpose: 'passkey_sign_in' },
        });
        throw new ApiError('invalid_mfa', 'The passkey could not be verified.');
      }
      if (user.emailVerifiedAt === null) throw new ApiError('email_unverified', 'Confirm your email address first: follow the link in the mail we sent you.');
      const { session, refreshToken } = await context.sessions.createSession(user, client, { amr: verified.amr });
      await audit.record({ type: 'passkey.sign_in', userId: user.id, sid: session.id, ...client, detail: { amr: verified.amr.join(' ') } });
      await noticeSignIn(context, { user, sid: session.id, client });
      return noStore(reply).send(await tokenResponse(context, user, session, refreshToken));
    },
  });
}
