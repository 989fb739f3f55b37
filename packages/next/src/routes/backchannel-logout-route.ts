import { BackendUnavailableError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { runInScopeOf } from '../logging/request-scope.js';
import type { AuthMetrics } from '../metrics/auth-metrics.js';
import type { EndedSessions } from '../oidc/ended-sessions.js';
import { InvalidLogoutTokenError, type LogoutTokenVerifier } from '../oidc/logout-token.js';
import { errorResponse } from './error-response.js';

export interface BackchannelLogoutRouteHandlers {
  POST(request: Request): Promise<Response>;
}

/** Form bodies are small; a logout token is well under this. */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * `app/api/auth/backchannel-logout/route.ts` (OpenID Connect Back-Channel Logout 1.0 §2.5): the provider posts
 * `logout_token=…` when a single sign-on session ends. A valid token ends this app's sessions for that provider
 * `sid` at their next request; the answer is 200, or 400 `invalid_request` for a token we do not accept, both
 * `Cache-Control: no-store` (§2.8). It is a server-to-server call, so there is no origin check: the signed token
 * is the authentication.
 */
export function createBackchannelLogoutRoute(parts: {
  verify: LogoutTokenVerifier | undefined;
  ended: EndedSessions;
  logger: Logger;
  metrics: AuthMetrics;
}): BackchannelLogoutRouteHandlers {
  const { verify, ended, logger, metrics } = parts;

  async function post(request: Request): Promise<Response> {
    if (!verify) return Response.json({ error: 'not_found', message: 'No such endpoint.' }, { status: 404, headers: NO_STORE });
    const token = await logoutTokenOf(request);
    if (!token) return invalid(logger, 'no logout_token');
    try {
      const claims = await verify(token);
      // A logout token is single-use (Back-Channel Logout §2.6 step 10): a replay is refused, not acted on twice.
      if (!ended.firstUse(claims.jti)) return invalid(logger, 'replayed');
      if (claims.sid) ended.end(claims.sid);
      else logger.warn({ event: 'backchannel_logout.sub_only', sub: claims.sub }, 'logout token without sid: left to the revocation check');
      logger.info({ event: 'backchannel_logout', providerSid: claims.sid, sub: claims.sub }, 'single logout received');
      metrics.authEvent({ event: 'signout', outcome: 'backchannel' });
      return new Response(null, { status: 200, headers: NO_STORE });
    } catch (error) {
      if (error instanceof InvalidLogoutTokenError) return invalid(logger, error.reason);
      if (error instanceof BackendUnavailableError) logger.error({ event: 'backchannel_logout.unavailable', error }, 'provider keys unavailable');
      return errorResponse(error, logger);
    }
  }

  return { POST: (request) => runInScopeOf(request, () => post(request)) };
}

const NO_STORE = { 'cache-control': 'no-store' };

function invalid(logger: Logger, reason: string): Response {
  logger.warn({ event: 'backchannel_logout.refused', reason }, 'logout token refused');
  return Response.json({ error: 'invalid_request' }, { status: 400, headers: NO_STORE });
}

async function logoutTokenOf(request: Request): Promise<string | null> {
  if (!(request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return null;
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return null;
  const body = await request.text();
  if (body.length > MAX_BODY_BYTES) return null;
  const token = new URLSearchParams(body).get('logout_token');
  return token && token.length > 0 ? token : null;
}
