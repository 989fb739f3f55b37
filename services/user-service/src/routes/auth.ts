import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TokenResponse } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import { authenticate } from '../http/authenticate.js';
import { clientContext } from '../http/client.js';
import { parseInput } from '../http/parse.js';
import type { IssuedRefreshToken, SessionRow } from '../sessions/session-store.js';
import { rateLimited, verifyCredentials } from '../passwords/verify-credentials.js';
import { looksLikeRefreshToken } from '../tokens/refresh-token.js';
import { toUser, type UserRow } from '../users/user-store.js';

const loginBody = z.strictObject({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1024),
});

const refreshTokenBody = z.strictObject({ refreshToken: z.string().min(1).max(512) });
const stepUpBody = z.strictObject({ password: z.string().min(1).max(1024) });

function invalidGrant(): ApiError {
  return new ApiError('invalid_grant', 'The refresh token is invalid, expired or revoked. Sign in again.');
}

async function tokenResponse(context: ServiceContext, user: UserRow, session: SessionRow, refreshToken: IssuedRefreshToken): Promise<TokenResponse> {
  const publicUser = toUser(user);
  const access = await context.accessTokens.issue({
    userId: user.id,
    sid: session.id,
    role: user.role,
    scopes: publicUser.scopes,
    // The session's original password time: a refresh never makes authentication look fresher (RFC 9470 spirit).
    authTimeSeconds: Math.floor(session.authTime.getTime() / 1000),
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

function noStore(reply: FastifyReply): FastifyReply {
  // RFC 6749 §5.1: responses carrying tokens must not be cached.
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export function registerAuthRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { audit, metrics } = context;

  app.post('/v1/auth/login', { config: { credentialCheck: 'login' } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const { email, password } = parseInput(loginBody, request.body, 'body');
    const client = clientContext(request);
    const user = await verifyCredentials(context, { email, password, client, purpose: 'login' });
    const { session, refreshToken } = await context.sessions.createSession(user, client);
    await audit.record({ type: 'login.succeeded', userId: user.id, sid: session.id, ...client });
    return noStore(reply).send(await tokenResponse(context, user, session, refreshToken));
  });

  app.post('/v1/auth/refresh', async (request: FastifyRequest, reply: FastifyReply) => {
    const { refreshToken } = parseInput(refreshTokenBody, request.body, 'body');
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
        context.validity.forget(outcome.session.id);
        metrics.refreshes.inc({ outcome: 'reuse_detected' });
        metrics.reuseDetections.inc();
        await audit.record({ type: 'refresh.reuse_detected', userId: outcome.session.userId, sid: outcome.session.id, ...client, reason: 'token_reused', detail: { cause: outcome.cause } });
        throw invalidGrant();
      }
      case 'refused': {
        metrics.refreshes.inc({ outcome: 'refused' });
        await audit.record({ type: 'refresh.refused', userId: outcome.session?.userId ?? null, sid: outcome.session?.id ?? null, ...client, reason: outcome.reason });
        throw invalidGrant();
      }
    }
  });

  // Step-up (RFC 9470): the signed-in user re-enters their password; admin actions then accept the session for a while.
  app.post('/v1/auth/step-up', { config: { credentialCheck: 'step_up' } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = await authenticate(context, request);
    const { password } = parseInput(stepUpBody, request.body, 'body');
    const client = clientContext(request);
    const account = await context.users.findById(principal.userId);
    if (account === null) throw invalidGrant();
    await verifyCredentials(context, { email: account.email, password, client, purpose: 'step_up' });
    const stepUpAt = await context.sessions.recordStepUp(principal.sid);
    await audit.record({ type: 'auth.step_up', userId: principal.userId, sid: principal.sid, ...client });
    return noStore(reply).send({ stepUpAt });
  });

  app.post('/v1/auth/logout', async (request: FastifyRequest, reply: FastifyReply) => {
    const { refreshToken } = parseInput(refreshTokenBody, request.body, 'body');
    const session = looksLikeRefreshToken(refreshToken) ? await context.sessions.findSessionByRefreshToken(refreshToken) : null;
    // Idempotent (RFC 7009 §2.2): an unknown or already revoked token still answers 204.
    if (session !== null) {
      const revoked = await context.sessions.revokeSession(session.id, 'logout');
      context.validity.forget(session.id);
      if (revoked !== null) await audit.record({ type: 'logout', userId: revoked.userId, sid: revoked.id, ...clientContext(request) });
    }
    return reply.code(204).send();
  });
}
