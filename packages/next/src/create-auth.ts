import { createHash } from 'node:crypto';
import type { NextAuthOptions } from 'next-auth';
import { createAccountFlows, type AccountFlows } from './accounts/account-flows.js';
import { createMyAccount, type MyAccount } from './accounts/my-account.js';
import { createMfaEnrolment, type MfaEnrolment } from './accounts/mfa-enrolment.js';
import { createAdminMfa, type AdminMfa } from './accounts/admin-mfa.js';
import { createApprovals, type Approvals } from './approvals/approvals.js';
import { TicketSeal } from './approvals/ticket-seal.js';
import { createUserServiceClient, type UserServiceClient } from './backend/user-service-client.js';
import { cookieSettings, type CookieSettings } from './cookies/cookie-config.js';
import { createGuards, type Guards } from './guards/guards.js';
import { createPageGuards, type PageGuards } from './guards/page-guards.js';
import { createProtectedAction, createPublicAction } from './guards/protected-action.js';
import { nextRequestContext, type RequestContext } from './guards/request-context.js';
import { REQUEST_ID_HEADER, wellFormedRequestId } from './http/request-id.js';
import { checkSameOrigin, type OriginCheck } from './http/same-origin.js';
import { scopedRequestId } from './logging/request-scope.js';
import { buildAuthOptions } from './nextauth/auth-options.js';
import { resolveOptions, type AuthConfig, type CreateAuthOptions } from './options.js';
import { createProxy, type Proxy } from './proxy/create-proxy.js';
import { createAuthRoute, type AuthRouteHandlers } from './routes/auth-route.js';
import { createBffRoute, type BffRouteHandlers } from './routes/bff-route.js';
import { errorResponse } from './routes/error-response.js';
import { createMetricsRoute, type MetricsRouteHandlers } from './routes/metrics-route.js';
import { createSignOut } from './routes/sign-out.js';
import { createWebAuthnOptionsRoute } from './routes/webauthn-options-route.js';
import { LogoutRevoker } from './session/logout-revoker.js';
import { ProxyAttestation } from './session/proxy-attestation.js';
import { processRuntime, type AuthRuntime } from './session/runtime.js';
import { SessionStatusCache } from './session/session-status-cache.js';
import { createStepUp, type StepUp } from './step-up/step-up.js';
import { MfaCookies } from './mfa/mfa-cookies.js';
import { SessionCodec } from './tokens/session-codec.js';
import { TokenRefresher } from './tokens/token-refresher.js';
import { OidcDiscovery } from './oidc/discovery.js';
import { EndedSessions } from './oidc/ended-sessions.js';
import { createLogoutTokenVerifier } from './oidc/logout-token.js';
import { sessionTokenFromTokenSet, type OidcSessionOptions } from './oidc/oidc-session.js';
import { createTokenEndpoint, type TokenEndpoint } from './oidc/token-endpoint.js';
import { createBackchannelLogoutRoute, type BackchannelLogoutRouteHandlers } from './routes/backchannel-logout-route.js';

export interface Auth extends Guards {
  readonly config: AuthConfig;
  readonly cookies: CookieSettings;
  /** For `getServerSession(authOptions)` where an app needs NextAuth's own view. */
  readonly authOptions: NextAuthOptions;
  /** `app/api/auth/[...nextauth]/route.ts`: `export const { GET, POST } = auth.handlers`. */
  readonly handlers: AuthRouteHandlers;
  /** `proxy.ts`: `export function proxy(request) { return auth.proxy(request) }`. */
  readonly proxy: Proxy;
  /** `app/api/bff/[...path]/route.ts`. */
  readonly bff: BffRouteHandlers;
  /** Guards for server components (redirect to sign-in / `forbidden()`). */
  readonly page: PageGuards;
  readonly protectedAction: ReturnType<typeof createProtectedAction>;
  /** A server action with the origin check and input validation but no session (the approval popup's sign-in). */
  readonly publicAction: ReturnType<typeof createPublicAction>;
  /** The approval popup's server side: the approver's one-off sign-in and decision, ticket sealed. */
  readonly approvals: Approvals;
  /** RFC 9470 step-up with the user's own access token; see `StepUpRequiredError`. */
  readonly stepUp: StepUp;
  /** The account pages' calls: forgotten password, sign-up, verification, invitations, email change links (docs/accounts.md). */
  readonly accounts: AccountFlows;
  /** The signed-in user's own changes: password, email address and second factors (docs/accounts.md). */
  readonly myAccount: MyAccount;
  /** Enrolment of a first second factor before any session, with the pending sign-in's cookie (`enrollment_required`). */
  readonly mfaEnrolment: MfaEnrolment;
  /** An admin's reset of a user's factors and per-user requirement of a second factor. */
  readonly adminMfa: AdminMfa;
  /** Origin + Sec-Fetch-Site check for the app's own state-changing route handlers. */
  checkSameOrigin(request: Request): OriginCheck;
  /** JSON answer for a failure in a route handler. */
  errorResponse(error: unknown): Response;
  /**
   * `app/api/auth/backchannel-logout/route.ts`: `export const { POST } = auth.backchannelLogoutRoute` (oidc mode;
   * 404 otherwise). Ends this app's sessions of a provider session that ended elsewhere (single logout).
   */
  readonly backchannelLogoutRoute: BackchannelLogoutRouteHandlers;
  /** `app/api/metrics/route.ts`: Prometheus text, behind the `metricsToken` bearer token (404 without one). */
  readonly metricsRoute: MetricsRouteHandlers;
  readonly backend: UserServiceClient;
}

export interface CreateAuthSeams {
  /** Where guards read the request; Next's `headers()` unless a test passes a stub. */
  requestContext?: RequestContext;
  /** Share refresh single-flight and caches process-wide (default). Tests use a private runtime. */
  runtime?: 'process' | 'private';
  /** Production mode: strict CSP, HSTS. Defaults to NODE_ENV === 'production'. */
  production?: boolean;
}

/** Builds everything an app wires in from one validated, frozen set of options. */
export function createAuth(options: CreateAuthOptions, seams: CreateAuthSeams = {}): Auth {
  const config = resolveOptions(options);
  const cookies = cookieSettings({ secure: config.secureCookies, prefix: config.cookiePrefix });
  const context = seams.requestContext ?? nextRequestContext;
  const backend = createUserServiceClient({
    baseUrl: config.backendUrl,
    fetch: config.fetch,
    timeoutMs: config.backendTimeoutMs,
    requestId: () => currentRequestId(context),
    metrics: config.metrics,
    ...(config.appCredential === undefined ? {} : { appCredential: config.appCredential }),
    logger: config.logger,
  });
  const codec = new SessionCodec({ secret: config.secret, idleSeconds: config.sessionIdleSeconds, now: config.now });
  const attestation = new ProxyAttestation({ secret: config.secret, maxAgeMs: 60_000 });
  const production = seams.production ?? process.env.NODE_ENV === 'production';
  const oidcSession: OidcSessionOptions = {
    schedule: config,
    idleSeconds: config.sessionIdleSeconds,
    absoluteSeconds: config.oidc?.sessionAbsoluteSeconds ?? config.sessionIdleSeconds,
  };
  const discovery = config.oidc ? new OidcDiscovery({ issuer: config.oidc.issuer, fetch: config.fetch, timeoutMs: config.backendTimeoutMs, now: config.now }) : undefined;
  const tokenEndpoint: TokenEndpoint | undefined =
    config.oidc && discovery
      ? createTokenEndpoint({
          discovery,
          clientId: config.oidc.clientId,
          clientSecret: config.oidc.clientSecret,
          resource: config.oidc.resource,
          fetch: config.fetch,
          timeoutMs: config.backendTimeoutMs,
          metrics: config.metrics,
        })
      : undefined;

  const createRuntime = (): AuthRuntime => ({
    refresher: new TokenRefresher({
      refresh: (refreshToken, client) => backend.refresh(refreshToken, client),
      ...(tokenEndpoint
        ? {
            refreshOidc: async (current) =>
              sessionTokenFromTokenSet(await tokenEndpoint.refresh(current.refreshToken), { receivedAt: config.now(), previous: current }, oidcSession),
          }
        : {}),
      now: config.now,
      schedule: config,
      logger: config.logger,
      metrics: config.metrics,
    }),
    statusCache: new SessionStatusCache({
      fetchStatus: (accessToken) => backend.sessionStatus(accessToken),
      now: config.now,
      maxAgeMs: config.sessionCheckMaxAgeSeconds * 1000,
      logger: config.logger,
    }),
    revoker: new LogoutRevoker({
      logout: (refreshToken, client) => backend.logout(refreshToken, client),
      retryDelaysMs: config.logoutRetryDelaysMs,
      logger: config.logger,
    }),
    oidcRevoker: tokenEndpoint
      ? new LogoutRevoker({ logout: (refreshToken) => tokenEndpoint.revoke(refreshToken), retryDelaysMs: config.logoutRetryDelaysMs, logger: config.logger })
      : undefined,
    endedSessions: new EndedSessions({ now: config.now, ttlMs: (config.oidc?.endedSessionTtlSeconds ?? 3600) * 1000 }),
  });
  const runtimeKey = createHash('sha256')
    .update(`${config.secret}\n${config.backendUrl}\n${config.appOrigin}\n${config.cookiePrefix}\n${config.oidc?.clientId ?? ''}`)
    .digest('hex');
  const runtime = seams.runtime === 'private' ? createRuntime() : processRuntime(runtimeKey, createRuntime);

  const mfaCookies = new MfaCookies({ secret: config.secret, now: config.now, cookies });
  const authOptions = buildAuthOptions({ config, backend, codec, cookies, oidcSession, context, mfaCookies });
  const guards = createGuards({ config, runtime, codec, cookies, attestation, backend, context });
  const signOut = createSignOut({ config, runtime, codec, cookies, ...(discovery ? { discovery } : {}) });
  const verifyLogoutToken =
    config.oidc && discovery
      ? createLogoutTokenVerifier({ discovery, issuer: config.oidc.issuer, clientId: config.oidc.clientId, fetch: config.fetch, now: config.now })
      : undefined;

  return {
    ...guards,
    config,
    cookies,
    authOptions,
    backend,
    handlers: createAuthRoute({
      authOptions,
      appOrigin: config.appOrigin,
      logger: config.logger,
      signOut,
      webauthnOptions: createWebAuthnOptionsRoute({ backend, mfaCookies, guards, clientInfo: config.clientInfo, logger: config.logger }),
    }),
    proxy: createProxy({ config, runtime, codec, cookies, attestation, production }),
    bff: createBffRoute({ guards, backend, appOrigin: config.appOrigin, allowedPaths: config.bffAllowedPaths, logger: config.logger }),
    page: createPageGuards({ guards, context, signInPath: config.signInPath, appOrigin: config.appOrigin }),
    protectedAction: createProtectedAction({ guards, context, appOrigin: config.appOrigin, logger: config.logger }),
    publicAction: createPublicAction({ context, appOrigin: config.appOrigin, logger: config.logger }),
    approvals: createApprovals({
      backend,
      context,
      seal: new TicketSeal({ secret: config.secret, now: config.now }),
      logger: config.logger,
      clientInfo: config.clientInfo,
    }),
    stepUp: createStepUp({ backend, context, logger: config.logger, clientInfo: config.clientInfo }),
    accounts: createAccountFlows({ backend, context, logger: config.logger, clientInfo: config.clientInfo }),
    myAccount: createMyAccount({ backend, context, logger: config.logger, clientInfo: config.clientInfo }),
    mfaEnrolment: createMfaEnrolment({ backend, context, mfaCookies, logger: config.logger, clientInfo: config.clientInfo }),
    adminMfa: createAdminMfa({ backend, context, logger: config.logger, clientInfo: config.clientInfo }),
    checkSameOrigin: (request) => checkSameOrigin(request, config.appOrigin),
    errorResponse: (error) => errorResponse(error, config.logger),
    backchannelLogoutRoute: createBackchannelLogoutRoute({ verify: verifyLogoutToken, ended: runtime.endedSessions, logger: config.logger, metrics: config.metrics }),
    metricsRoute: createMetricsRoute({ registry: config.metrics.registry, token: config.metricsToken }),
  };
}

/**
 * The id of the request being served: the proxy's and our route handlers' scope first, then the header the
 * proxy put on the request, which server components and actions can only read through Next's `headers()`.
 */
async function currentRequestId(context: RequestContext): Promise<string | undefined> {
  const scoped = scopedRequestId();
  if (scoped !== undefined) return scoped;
  try {
    return wellFormedRequestId((await context.headers()).get(REQUEST_ID_HEADER));
  } catch {
    // Outside a request (a background retry, start-up): there is no id to pass on.
    return undefined;
  }
}
