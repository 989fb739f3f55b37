import * as nextAuthModule from 'next-auth';
import type { NextAuthOptions } from 'next-auth';
import { checkSameOrigin } from '../http/same-origin.js';
import type { Logger } from '../logging/logger.js';
import { runInScopeOf } from '../logging/request-scope.js';
import { CsrfRejectedError } from '../errors.js';
import { errorResponse } from './error-response.js';

export interface RouteContext<P> {
  params: Promise<P>;
}

type NextAuthRouteContext = RouteContext<{ nextauth: string[] }>;

export interface AuthRouteHandlers {
  GET(request: Request, context: NextAuthRouteContext): Promise<Response>;
  POST(request: Request, context: NextAuthRouteContext): Promise<Response>;
}

type RouteHandler = (request: Request, context: NextAuthRouteContext) => Promise<Response>;
type NextAuthFactory = (options: NextAuthOptions) => RouteHandler;

// next-auth is CommonJS: a bundler hands us its default export, plain Node the whole `exports` object.
function nextAuthFactory(): NextAuthFactory {
  const candidate: unknown = nextAuthModule.default;
  if (typeof candidate === 'function') return candidate as NextAuthFactory;
  if (candidate !== null && typeof candidate === 'object' && 'default' in candidate && typeof candidate.default === 'function') {
    return candidate.default as NextAuthFactory;
  }
  throw new Error('next-auth has no default export');
}

/**
 * `app/api/auth/[...nextauth]/route.ts`. NextAuth's own CSRF token covers its POST endpoints; on top of that
 * every POST must pass the origin check, and sign-out is ours (backend revocation before clearing cookies).
 */
export function createAuthRoute(options: {
  authOptions: NextAuthOptions;
  appOrigin: string;
  logger: Logger;
  signOut: (request: Request) => Promise<Response>;
  /** `POST /api/auth/webauthn/options?purpose=…`: the challenge for a passkey ceremony (see `createWebAuthnOptionsRoute`). */
  webauthnOptions: (request: Request) => Promise<Response>;
}): AuthRouteHandlers {
  const handler = nextAuthFactory()(options.authOptions);
  async function post(request: Request, context: NextAuthRouteContext): Promise<Response> {
    const origin = checkSameOrigin(request, options.appOrigin);
    if (!origin.ok) {
      options.logger.warn({ event: 'auth_route.csrf_rejected', reason: origin.reason }, 'cross-site POST to /api/auth refused');
      return errorResponse(new CsrfRejectedError(origin.reason), options.logger);
    }
    const { nextauth } = await context.params;
    if (nextauth[0] === 'signout') return options.signOut(request);
    if (nextauth[0] === 'webauthn' && nextauth[1] === 'options' && nextauth.length === 2) return options.webauthnOptions(request);
    return handler(request, context);
  }
  // In the request's scope, so the sign-in's log lines and its call to the user-service carry its id.
  return {
    GET: (request, context) => runInScopeOf(request, () => handler(request, context)),
    POST: (request, context) => runInScopeOf(request, () => post(request, context)),
  };
}
