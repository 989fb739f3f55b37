import type { UserServiceClient } from '../backend/user-service-client.js';
import { InvalidInputError, UnauthenticatedError } from '../errors.js';
import { assertSameOrigin } from '../http/same-origin.js';
import type { Guards } from '../guards/guards.js';
import type { Logger } from '../logging/logger.js';
import { runInScopeOf } from '../logging/request-scope.js';
import { errorResponse } from './error-response.js';
import type { RouteContext } from './auth-route.js';

type BffRouteContext = RouteContext<{ path: string[] }>;
type BffHandler = (request: Request, context: BffRouteContext) => Promise<Response>;

export interface BffRouteHandlers {
  GET: BffHandler;
  POST: BffHandler;
  PATCH: BffHandler;
  DELETE: BffHandler;
}

const MAX_BODY_BYTES = 16 * 1024;
const SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Backend-for-frontend: browser code calls `/api/bff/<path>` with its cookie and the server adds the user's
 * access token, so no token has to live in JavaScript (RFC 9700 §4.14 / IETF browser-based-apps BFF).
 * Only allow-listed backend paths are reachable, and state-changing calls pass the origin check.
 */
export function createBffRoute(options: {
  guards: Guards;
  backend: UserServiceClient;
  appOrigin: string;
  allowedPaths: readonly string[];
  logger: Logger;
}): BffRouteHandlers {
  async function handle(request: Request, context: BffRouteContext): Promise<Response> {
    try {
      assertSameOrigin(request, options.appOrigin);
      const { path } = await context.params;
      if (!path.every((segment) => SEGMENT.test(segment))) throw new InvalidInputError(['path']);
      const joined = path.join('/');
      if (!options.allowedPaths.some((allowed) => joined === allowed || joined.startsWith(`${allowed}/`))) {
        return Response.json({ error: 'not_found', message: 'No such endpoint.' }, { status: 404 });
      }
      const accessToken = await options.guards.getAccessToken();
      if (!accessToken) throw new UnauthenticatedError();
      const body = await readBody(request);
      const search = new URL(request.url).search;
      const answer = await options.backend.call({ method: request.method, path: `/v1/${joined}${search}`, accessToken, ...(body === undefined ? {} : { body }) });
      if (answer.status === 204) return new Response(null, { status: 204, headers: { 'cache-control': 'private, no-store' } });
      return Response.json(answer.body, { status: answer.status, headers: { 'cache-control': 'private, no-store' } });
    } catch (error) {
      return errorResponse(error, options.logger);
    }
  }
  const scoped: BffHandler = (request, context) => runInScopeOf(request, () => handle(request, context));
  return { GET: scoped, POST: scoped, PATCH: scoped, DELETE: scoped };
}

async function readBody(request: Request): Promise<unknown> {
  if (request.method === 'GET' || request.method === 'DELETE') return undefined;
  const text = await request.text();
  if (text.length === 0) return undefined;
  if (text.length > MAX_BODY_BYTES) throw new InvalidInputError(['body']);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError(['body']);
  }
}
