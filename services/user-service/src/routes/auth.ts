import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  isAmrValue,
  loginAnswerSchema,
  loginBodySchema,
  mfaLoginBodySchema,
  refreshTokenBodySchema,
  stepUpProofBodySchema,
  steppedUpSchema,
  tokenResponseSchema,
  type AmrValue,
  type LoginAnswer,
  type SecondFactorProof,
  type TokenResponse,
} from '@portcullis/contracts';
import { noticeSignIn } from '../accounts/security-notices.js';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import { principalOf } from '../http/access-control.js';
import { PUBLIC, signedIn } from '../http/access-rule.js';
import { appHeaders } from '../http/client-address.js';
import { clientContext } from '../http/client.js';
import { routeResponses } from '../http/route-responses.js';
import { methodsOf } from '../mfa/mfa-factors.js';
import { verifySecondFactor } from '../mfa/second-factor.js';
import { afterPassword, finishWithFactor } from '../mfa/sign-in-flow.js';
import type { ClientContext, IssuedRefreshToken, SessionRow } from '../sessions/session-store.js';
import { rateLimited, verifyCredentials } from '../passwords/verify-credentials.js';
import { looksLikeRefreshToken } from '../tokens/refresh-token.js';
import { toUser, type UserRow } from '../users/user-store.js';

const STEP_UP = signedIn();

function invalidGrant(): ApiError {
  return new ApiError('invalid_grant', 'The refresh token is invalid, expired or revoked. Sign in again.');
}

export async function tokenResponse(context: ServiceContext, user: UserRow, session: SessionRow, refreshToken: IssuedRefreshToken): Promise<TokenResponse> {
  const publicUser = toUser(user);
  const access = await context.accessTokens.issue({
    userId: user.id,
    sid: session.id,
    role: user.role,
    scopes: publicUser.scopes,
    // The session's own sign-in time: a refresh never makes authentication look fresher (RFC 9470 spirit).
    authTimeSeconds: Math.floor(session.authTime.getTime() / 1000),
    amr: session.amr.filter(isAmrValue),
  });
  return {
    tokenType: 'Bearer',
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refreshToken.token,
    refreshTokenExpiresAt: refreshToken.expiresAt,
    sessionExpiresAt: session.absoluteExpiresAt.getTime(),
    refreshReuseGraceSeconds: context.config.refreshReuseGraceSeconds,
    user: publicUser,
  };
}

/**
 * Starts the session of a finished sign-in (every factor proven, `amr` naming them, RFC 8176) and answers its tokens:
 * the one place a session is created after a sign-in, whatever its last factor was.
 */
export async function signedInAnswer(
  context: ServiceContext,
  signIn: { user: UserRow; amr: readonly AmrValue[]; client: ClientContext & { requestId?: string } },
): Promise<TokenResponse> {
  const { user, amr, client } = signIn;
  const { session, refreshToken } = await context.sessions.createSession(user, client, { amr });
  await context.audit.record({ type: 'login.succeeded', userId: user.id, sid: session.id, ...client, detail: { amr: amr.join(' ') } });
  await noticeSignIn(context, { user, sid: session.id, client });
  return tokenResponse(context, user, session, refreshToken);
}

export function noStore(reply: FastifyReply): FastifyReply {
  // RFC 6749 §5.1: responses carrying tokens must not be cached.
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** Sign-in, token refresh, step-up and sign-out. */
export function registerAuthRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { audit, metrics } = context;
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.route({
    method: 'POST',
    url: '/v1/auth/login',
    config: { access: PUBLIC, credentialCheck: 'login' },
    schema: {
      operationId: 'login',
      tags: ['auth'],
      summary: 'Signs in with email and password: a new session and its tokens, or (a second factor owed or to enrol) an mfaToken for the next step and no token.',
      headers: appHeaders,
      body: loginBodySchema,
      response: routeResponses(PUBLIC, { 200: loginAnswerSchema }, { method: 'POST', refuses: ['invalid_credentials', 'email_unverified', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const { email, password } = request.body;
      const client = clientContext(request);
      const user = await verifyCredentials(context, { email, password, client, purpose: 'login' });
      const next = await afterPassword(context, user, client);
      let answer: LoginAnswer;
      switch (next.kind) {
        case 'complete':
          answer = await signedInAnswer(context, { user, amr: next.amr, client });
          break;
        case 'second_factor':
          answer = { mfaRequired: true, mfaToken: next.mfaToken, methods: [...next.methods] };
          break;
        case 'enrollment':
          answer = { enrollmentRequired: true, mfaToken: next.mfaToken };
          break;
      }
      return noStore(reply).send(answer);
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/login/mfa',
    config: { access: PUBLIC },
    schema: {
      operationId: 'loginSecondFactor',
      tags: ['auth'],
      summary: "Finishes a sign-in with its second factor (a TOTP code, a recovery code or a passkey assertion): the session's tokens.",
      headers: appHeaders,
      body: mfaLoginBodySchema,
      response: routeResponses(PUBLIC, { 200: tokenResponseSchema }, { method: 'POST', refuses: ['invalid_mfa', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const { mfaToken, ...rest } = request.body;
      const proof: SecondFactorProof = 'totp' in rest ? { totp: rest.totp } : 'recoveryCode' in rest ? { recoveryCode: rest.recoveryCode } : { webauthn: rest.webauthn };
      const client = clientContext(request);
      const proven = await finishWithFactor(context, { mfaToken, proof, client });
      return noStore(reply).send(await signedInAnswer(context, { ...proven, client }));
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/refresh',
    config: { access: PUBLIC },
    schema: {
      operationId: 'refresh',
      tags: ['auth'],
      summary: 'Rotates a refresh token (RFC 9700 §4.14.2): a new access token and refresh token; a replayed one ends the session.',
      headers: appHeaders,
      body: refreshTokenBodySchema,
      response: routeResponses(PUBLIC, { 200: tokenResponseSchema }, { method: 'POST', refuses: ['invalid_grant', 'rate_limited'] }),
    },
    handler: async (request, reply) => {
      const { refreshToken } = request.body;
      const client = clientContext(request);

      const verdict = await context.throttles.admitRefresh(client.ip ?? 'unknown');
      if (!verdict.allowed) {
        metrics.refreshes.inc({ outcome: 'throttled' });
        throw rateLimited(verdict.retryAfterSeconds);
      }
      if (!looksLikeRefreshToken(refreshToken)) {
        metrics.refreshes.inc({ outcome: 'refused' });
        await audit.record({ type: 'refresh.refused', ...client, reason: 'malformed' });
        throw invalidGrant();
      }

      // The rotation writes its own `refresh.succeeded` row in the same statement (one commit); we log and count it.
      const outcome = await context.sessions.rotateRefreshToken(refreshToken, client, { audit: true });
      switch (outcome.kind) {
        case 'rotated': {
          metrics.refreshes.inc({ outcome: outcome.graceRetry ? 'grace_retry' : 'succeeded' });
          const event = {
            type: 'refresh.succeeded',
            userId: outcome.user.id,
            sid: outcome.session.id,
            ...client,
            ...(outcome.graceRetry ? { reason: 'grace_retry' } : {}),
          } as const;
          if (outcome.auditedAt !== undefined) audit.announce(event, outcome.auditedAt);
          else await audit.record(event);
          return noStore(reply).send(await tokenResponse(context, outcome.user, outcome.session, outcome.refreshToken));
        }
        case 'reuse_detected': {
          metrics.refreshes.inc({ outcome: 'reuse_detected' });
          metrics.reuseDetections.inc();
          await context.revocation.revokedInStore(outcome.session, (session) => ({
            type: 'refresh.reuse_detected',
            userId: session.userId,
            sid: session.id,
            ...client,
            reason: 'token_reused',
            detail: { cause: outcome.cause },
          }));
          throw invalidGrant();
        }
        case 'refused': {
          metrics.refreshes.inc({ outcome: 'refused' });
          await audit.record({ type: 'refresh.refused', userId: outcome.session?.userId ?? null, sid: outcome.session?.id ?? null, ...client, reason: outcome.reason });
          throw invalidGrant();
        }
      }
    },
  });

  // Step-up (RFC 9470): the signed-in user re-enters their password; admin actions then accept the session for a while.
  routes.route({
    method: 'POST',
    url: '/v1/auth/step-up',
    config: { access: STEP_UP, credentialCheck: 'step_up' },
    schema: {
      operationId: 'stepUp',
      tags: ['auth'],
      summary:
        'Proves the signed-in user again (RFC 9470) with their strongest factor (a passkey or a code; the password only for users without one), so admin actions accept the session for a while.',
      headers: appHeaders,
      body: stepUpProofBodySchema,
      response: routeResponses(
        STEP_UP,
        { 200: steppedUpSchema },
        { method: 'POST', refuses: ['invalid_grant', 'invalid_credentials', 'invalid_mfa', 'mfa_required', 'email_unverified', 'rate_limited'] },
      ),
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const client = clientContext(request);
      const account = await context.users.findById(principal.userId);
      if (account === null) throw invalidGrant();
      const body = request.body;
      let amr: readonly AmrValue[];
      if ('password' in body) {
        // Step-up asks for the strongest factor the user has: a password alone never stands in for a second factor
        // they enrolled (OWASP ASVS 5.0 §6.3.3).
        if ((await methodsOf(context, account.id)).length > 0) {
          await audit.record({ type: 'mfa.failed', userId: account.id, sid: principal.sid, ...client, reason: 'password_only', detail: { purpose: 'step_up' } });
          throw new ApiError('mfa_required', 'Confirm with your passkey or authenticator code: a password alone is not enough for this account.');
        }
        await verifyCredentials(context, { email: account.email, password: body.password, client, purpose: 'step_up' });
        amr = ['pwd'];
      } else {
        // A passkey's challenge must have been issued for this session's step-up (WebAuthn L3 §13.4.3).
        amr = await verifySecondFactor(context, { user: account, proof: body, client, purpose: 'step_up', boundTo: principal.sid, sid: principal.sid });
      }
      const stepUpAt = await context.sessions.recordStepUp(principal.sid, amr);
      await audit.record({ type: 'auth.step_up', userId: principal.userId, sid: principal.sid, ...client, detail: { amr: amr.join(' ') } });
      return noStore(reply).send({ stepUpAt });
    },
  });

  routes.route({
    method: 'POST',
    url: '/v1/auth/logout',
    config: { access: PUBLIC },
    schema: {
      operationId: 'logout',
      tags: ['auth'],
      summary: 'Ends the session of a refresh token; idempotent (RFC 7009 §2.2).',
      headers: appHeaders,
      body: refreshTokenBodySchema,
      response: routeResponses(PUBLIC, { 204: z.undefined() }, { method: 'POST' }),
    },
    handler: async (request, reply) => {
      const { refreshToken } = request.body;
      const session = looksLikeRefreshToken(refreshToken) ? await context.sessions.findSessionByRefreshToken(refreshToken) : null;
      // Idempotent (RFC 7009 §2.2): an unknown or already revoked token still answers 204.
      if (session !== null) {
        await context.revocation.revokeSession(session.id, {
          reason: 'logout',
          event: (revoked) => ({ type: 'logout', userId: revoked.userId, sid: revoked.id, ...clientContext(request) }),
        });
      }
      return reply.code(204).send();
    },
  });
}
