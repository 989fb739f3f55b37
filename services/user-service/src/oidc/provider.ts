import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import Provider, { errors, interactionPolicy, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_VALUES, SCOPES, acrOf, isAmrValue, scopesForRole, type Role } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import type { SigningAlg } from '../tokens/signing-keys.js';
import { artifactAdapter, type ReplayReport } from './artifact-adapter.js';
import { isOidcScope, type OidcClientConfig } from './client-config.js';
import { RefreshRotations } from './refresh-rotations.js';
import { errorPage, signedOutPage, signOutPage } from './pages.js';
import { formActionOrigins, newNonce, pagePolicy } from './page-policy.js';
import type { SessionLinks } from './session-links.js';

/** Every provider endpoint lives under this prefix; discovery stays at the issuer's `/.well-known/`. */
export const OIDC_PREFIX = '/oidc';
/** Our userinfo endpoint (OpenID Connect Core §5.3), advertised in discovery. */
export const USERINFO_PATH = `${OIDC_PREFIX}/me`;

const OIDC_COOKIE_NAMES = Object.freeze({
  // `__Host-`: Secure, Path=/, no Domain — no other host or path can set or shadow the SSO cookie (RFC 6265bis §4.1.3).
  session: '__Host-portcullis-op-session',
  // The interaction cookies are scoped to their interaction's path, which `__Host-` forbids: `__Secure-` instead.
  interaction: '__Secure-portcullis-op-interaction',
  resume: '__Secure-portcullis-op-resume',
});

/** OAuth error codes counted by name; anything else is counted as "other" (bounded metric labels). */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'server_error',
]);

function grantTypeLabel(grantType: unknown): string {
  return grantType === 'authorization_code' || grantType === 'refresh_token' ? grantType : 'other';
}

/** What the interaction login leaves in the interaction result for `loadExistingGrant` to link. */
export interface PortcullisLoginResult {
  readonly sid: string;
}

export interface OidcProviderDependencies {
  readonly context: ServiceContext;
  readonly links: SessionLinks;
  /** Our keys as the provider's keystore (private JWKs, active first). */
  readonly keys: Awaited<ReturnType<ServiceContext['keys']['providerKeys']>>;
  readonly cookieKeys: readonly string[];
}

function clientMetadata(client: OidcClientConfig, signingAlg: SigningAlg): ClientMetadata {
  return {
    client_id: client.client_id,
    client_secret: client.client_secret,
    ...(client.client_name === undefined ? {} : { client_name: client.client_name }),
    redirect_uris: [...client.redirect_uris],
    post_logout_redirect_uris: [...client.post_logout_redirect_uris],
    ...(client.backchannel_logout_uri === undefined ? {} : { backchannel_logout_uri: client.backchannel_logout_uri, backchannel_logout_session_required: true }),
    // The provider checks OpenID scopes against this; our API's scopes are checked in `loadExistingGrant`.
    scope: client.scope.split(/\s+/).filter(isOidcScope).join(' '),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: signingAlg,
  };
}

function setPageHeaders(ctx: KoaContextWithOIDC, formActions: readonly string[]): string {
  const nonce = newNonce();
  ctx.set('content-security-policy', pagePolicy({ nonce, formActions }));
  ctx.set('cache-control', 'no-store');
  ctx.type = 'html';
  return nonce;
}

/**
 * Builds the OpenID Provider (panva/node-oidc-provider, OpenID Certified) over our users, sessions, keys and database.
 * The configuration is data plus small callbacks; each callback says which rule it enforces.
 */
export function createOidcProvider(dependencies: OidcProviderDependencies): Provider {
  const { context, links, keys } = dependencies;
  const { config, users, sessions, audit, validity, logger } = context;
  const apiResource = config.oidc.apiResource;
  const formActions = formActionOrigins(config.oidc.clients);
  const backchannelUris = new Set(
    config.oidc.clients.flatMap((client) => (client.backchannel_logout_uri === undefined ? [] : [new URL(client.backchannel_logout_uri).href])),
  );
  const clientScopes = new Map(config.oidc.clients.map((client) => [client.client_id, new Set(client.scope.split(/\s+/))]));

  /** Least privilege (OWASP ASVS 5.0 §8.2): what the client is registered for and the user's role both allow. */
  function allowedApiScopes(clientId: string, role: Role): Set<string> {
    const registered = clientScopes.get(clientId) ?? new Set<string>();
    return new Set(scopesForRole(role).filter((scope) => registered.has(scope)));
  }

  async function onReplay(report: ReplayReport): Promise<void> {
    // RFC 9700 §4.14.2 / RFC 6749 §4.1.2: a replayed code, or a refresh token presented again other than as the grace
    // retry of its rotating client, revokes the grant (the provider does that) and, with it, the session it came from.
    const sid = report.sessionUid === undefined ? null : await links.sidFor(report.sessionUid);
    if (sid === null) return;
    const revoked = await context.revocation.revokeSession(sid, {
      reason: 'reuse_detected',
      event: (session) => ({
        type: 'refresh.reuse_detected',
        userId: session.userId,
        sid: session.id,
        reason: report.model === 'AuthorizationCode' ? 'code_replayed' : 'token_reused',
        detail: { via: 'oidc', cause: report.cause },
      }),
    });
    if (revoked !== null) context.metrics.reuseDetections.inc();
  }

  const rotations = new RefreshRotations(context.database.db, context.clock);

  const policy = interactionPolicy.base();
  const login = policy.get('login');
  if (login === undefined) throw new Error('oidc-provider has no login prompt');
  // OpenID Connect Core §3.1.2.1 makes `nonce` optional for the code flow; our clients must send it (docs/sso.md), and a
  // request without one is refused with an OAuth error sent back to the (already validated) redirect URI.
  login.checks.unshift(
    new interactionPolicy.Check('nonce_required', 'nonce is required', (ctx) => {
      if (typeof ctx.oidc.params?.nonce !== 'string' || ctx.oidc.params.nonce.length === 0) throw new errors.InvalidRequest('nonce is required');
      return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  // An SSO session whose session row of ours has ended (signed out elsewhere, revoked by the user or an admin, reuse
  // detected) does not sign anyone in again: the user must enter the password anew.
  login.checks.add(
    new interactionPolicy.Check('session_ended', 'the session has ended', async (ctx) => {
      const { session } = ctx.oidc;
      if (session?.accountId === undefined || ctx.oidc.result?.login !== undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const sid = await links.sidFor(session.uid);
      if (sid === null || !(await validity.isActive(sid))) return interactionPolicy.Check.REQUEST_PROMPT;
      return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );

  const configuration: Configuration = {
    adapter: artifactAdapter(context.database.db, context.clock, { refreshReuseGraceSeconds: config.refreshReuseGraceSeconds, rotations, onReplay }),
    clients: config.oidc.clients.map((client) => clientMetadata(client, keys.alg)),
    jwks: { keys: keys.keys as NonNullable<Configuration['jwks']>['keys'] },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: keys.alg,
    },
    clientAuthMethods: ['client_secret_basic'],
    // Discovery advertises the one algorithm ID and logout tokens are signed with, and relying parties pin it
    // (OpenID Connect Discovery 1.0 §3, RFC 8725 §3.1): never ones no key of ours can produce.
    enabledJWA: { idTokenSigningAlgValues: [keys.alg] },
    responseTypes: ['code'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    // RFC 8176 / OpenID Connect Core §2: every ID token says how and when the user was proven (`amr`, `acr`, `auth_time`
    // of the last factor), not only when a client asks, so apps can demand a second factor without a claims request.
    claims: { acr: null, amr: null, auth_time: null, iss: null, sid: null, openid: ['sub', 'auth_time', 'acr', 'amr'], email: ['email'], profile: ['name', 'role'] },
    acrValues: [ACR_VALUES.singleFactor, ACR_VALUES.multiFactor],
    // The contract puts email, name and role into the ID token itself, so apps need no userinfo call.
    conformIdTokenClaims: false,
    // Our userinfo endpoint (src/oidc/userinfo.ts) answers for the JWT access tokens we issue; oidc-provider's own
    // takes only opaque tokens without a resource audience, and we issue none (OpenID Connect Core §5.3).
    discovery: { userinfo_endpoint: new URL(USERINFO_PATH, config.issuer).href },
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true },
    cookies: {
      names: { ...OIDC_COOKIE_NAMES },
      long: { httpOnly: true, sameSite: 'lax', secure: true, signed: true },
      short: { httpOnly: true, sameSite: 'lax', secure: true, signed: true },
      keys: [...dependencies.cookieKeys],
    },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      end_session: `${OIDC_PREFIX}/session/end`,
      jwks: `${OIDC_PREFIX}/jwks`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      token: `${OIDC_PREFIX}/token`,
      backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
      code_verification: `${OIDC_PREFIX}/device`,
      device_authorization: `${OIDC_PREFIX}/device/auth`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
      registration: `${OIDC_PREFIX}/reg`,
      challenge: `${OIDC_PREFIX}/challenge`,
      credential: `${OIDC_PREFIX}/credential`,
    },
    features: {
      devInteractions: { enabled: false },
      // Fewer ways in: no PAR, no DPoP, no dynamic registration, no introspection — the apps need none of them.
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      revocation: {
        enabled: true,
        // A client revokes its own tokens only (RFC 7009 §2.1).
        allowedPolicy: (_ctx, client, token) => {
          if (token.clientId !== client.clientId) throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          return true;
        },
      },
      userinfo: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.body = signOutPage({ nonce: setPageHeaders(ctx, formActions), form });
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.body = signedOutPage({ nonce: setPageHeaders(ctx, formActions) });
        },
      },
      resourceIndicators: {
        enabled: true,
        // RFC 8707: every access token is for our API unless a client asks otherwise (and it cannot: one resource).
        defaultResource: () => apiResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== apiResource) throw new errors.InvalidTarget();
          return {
            scope: SCOPES.join(' '),
            // RFC 9068: the same profile our bearer verification checks — iss, aud, typ at+jwt, our key and algorithm.
            audience: config.audience,
            accessTokenTTL: config.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: keys.alg, kid: keys.activeKid } },
          };
        },
      },
    },
    formats: {
      customizers: {
        // RFC 9068 §2.2.3: `scope` lists what the token was granted, the OpenID scopes included, so our userinfo
        // endpoint answers only the claims they allow (OpenID Connect Core §5.4).
        jwt: (ctx, _token, parts) => {
          const { Grant: grant, RefreshToken: refreshToken, AuthorizationCode: code } = ctx.oidc.entities;
          const source = refreshToken ?? code;
          if (grant === undefined || source === undefined) return;
          const requested = ctx.oidc.params?.scope === undefined ? source.scopes : ctx.oidc.requestParamScopes;
          // offline_access is about the refresh token, not about what this token may read.
          const openIdScopes = grant
            .getOIDCScopeFiltered(requested)
            .split(' ')
            .filter((scope) => scope.length > 0 && scope !== 'offline_access');
          parts.payload.scope = [...String(parts.payload.scope ?? '').split(' '), ...openIdScopes].filter((scope) => scope.length > 0).join(' ');
        },
      },
    },
    async extraTokenClaims(_ctx, token) {
      if (!('sessionUid' in token)) throw new errors.InvalidGrant('only tokens of a signed-in session are issued');
      // `sid` is our session row's id, so /v1/me, the revocation check and "my sessions" work for OIDC tokens too.
      const sid = token.sessionUid === undefined ? null : await links.sidFor(token.sessionUid);
      const active = sid === null ? null : await sessions.touchActiveSession(sid);
      if (sid === null || active === null || active.user.id !== token.accountId) {
        throw new errors.InvalidGrant('the session has ended');
      }
      // RFC 9068 §2.2.1: the methods and time of the session's sign-in (its last factor), as the API's own tokens carry them.
      const amr = active.session.amr.filter(isAmrValue);
      return { sid, role: active.user.role, auth_time: Math.floor(active.session.authTime.getTime() / 1000), amr, acr: acrOf(amr) };
    },
    async loadExistingGrant(ctx) {
      const { client, session, result, params } = ctx.oidc;
      if (client === undefined || session?.accountId === undefined) return undefined;
      const signedIn = (result as { portcullis?: PortcullisLoginResult } | undefined)?.portcullis;
      if (signedIn !== undefined) await links.link(session.uid, signedIn.sid);

      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId === undefined ? undefined : await ctx.oidc.provider.Grant.find(grantId);
      const grant = existing ?? new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      // First-party clients skip consent: the grant holds what was asked for, within the client's registered scopes
      // (the provider refuses anything else) and, for our API, within the user's role (OWASP ASVS 5.0 §8.2).
      const user = await users.findById(session.accountId);
      if (user === null) return undefined;
      const requested = String(params?.scope ?? '')
        .split(' ')
        .filter((scope) => scope.length > 0);
      grant.addOIDCScope(requested.filter(isOidcScope).join(' '));
      const allowed = allowedApiScopes(client.clientId, user.role);
      const apiScopes = requested.filter((scope) => !isOidcScope(scope));
      grant.addResourceScope(apiResource, apiScopes.filter((scope) => allowed.has(scope)).join(' '));
      // Refused rather than missing: the token simply lacks them, and no consent screen is asked for.
      grant.rejectResourceScope(apiResource, apiScopes.filter((scope) => !allowed.has(scope)).join(' '));
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, sub) {
      const user = await users.findById(sub);
      if (user === null || user.disabled) return undefined;
      return {
        accountId: user.id,
        claims: () => ({ sub: user.id, email: user.email, name: user.name, role: user.role }),
      };
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${OIDC_PREFIX}/interaction/${interaction.uid}`,
    },
    rotateRefreshToken: true,
    // oidc-provider drops `offline_access` unless prompt=consent (OpenID Connect Core §11), and our first-party apps
    // never show consent: every registered client gets refresh tokens, bound to the SSO session (`expiresWithSession`),
    // so single logout ends them too.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: config.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: config.accessTokenTtlSeconds,
      Interaction: 10 * 60,
      // The SSO session, its grants and refresh tokens last no longer than a session of ours (idle and absolute).
      Session: config.refreshAbsoluteTtlSeconds,
      Grant: config.refreshAbsoluteTtlSeconds,
      RefreshToken: config.refreshIdleTtlSeconds,
    },
    clientBasedCORS: () => false,
    // The provider only calls out to back-channel logout URIs, and those come from our own configuration (no dynamic
    // registration), so apps on this machine or a private network are reachable; any other URL is refused.
    fetch: (url, options) => {
      if (!backchannelUris.has(new URL(url).href)) return Promise.reject(new Error('not a registered back-channel logout URI'));
      const { dispatcher: _ssrfGuard, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return fetch(url, rest);
    },
    renderError: (ctx, out) => {
      ctx.body = errorPage({
        nonce: setPageHeaders(ctx, formActions),
        error: String(out.error),
        description: out.error_description === undefined ? undefined : String(out.error_description),
      });
    },
  };

  const provider = new Provider(config.issuer, configuration);
  // Every URL the provider writes (discovery, redirects) comes from ISSUER, never from the request's Host header.
  provider.proxy = true;
  if (config.oidc.localIssuer) {
    // Browsers accept Secure (and `__Host-`) cookies from http://localhost; koa would refuse to send them over http.
    Object.defineProperty(provider.request, 'secure', { get: () => true });
  }

  async function endOurSession(ctx: { ip: string; get(header: string): string }, sessionUid: string | undefined, via: 'end_session' | 'revocation'): Promise<void> {
    const sid = sessionUid === undefined ? null : await links.sidFor(sessionUid);
    if (sid === null) return;
    const userAgent = ctx.get('user-agent').slice(0, 512);
    await context.revocation.revokeSession(sid, {
      reason: 'logout',
      event: (session) => ({
        type: 'logout',
        userId: session.userId,
        sid: session.id,
        ip: ctx.ip,
        userAgent: userAgent === '' ? null : userAgent,
        detail: { via: `oidc_${via}` },
      }),
    });
  }

  /** Counts every token endpoint answer; a refused refresh also feeds the audit trail and its alert, like the API's. */
  async function recordTokenAnswer(ctx: { ip: string; status: number; body: unknown; get(header: string): string }, oidc: KoaContextWithOIDC['oidc']): Promise<void> {
    const grantType = grantTypeLabel(oidc.params?.grant_type);
    const error = ctx.status >= 400 ? (ctx.body as { error?: unknown } | undefined)?.error : undefined;
    const outcome = ctx.status < 400 ? 'succeeded' : typeof error === 'string' && OAUTH_ERRORS.has(error) ? error : 'other';
    context.metrics.oidcGrants.inc({ grant_type: grantType, outcome });
    // "Unavailable" (5xx) is not a refusal: the client keeps its session and retries.
    if (grantType === 'refresh_token' && outcome !== 'succeeded' && ctx.status < 500) {
      const userAgent = ctx.get('user-agent').slice(0, 512);
      await audit.record({
        type: 'refresh.refused',
        ip: ctx.ip,
        userAgent: userAgent === '' ? null : userAgent,
        reason: outcome,
        detail: { via: 'oidc', client_id: oidc.client?.clientId ?? null },
      });
    }
  }

  /**
   * One successor per rotated refresh token (RFC 9700 §4.14.2): the first rotation's answer is kept, sealed, and a grace
   * retry (which the adapter recognised and whose own new tokens were never stored) is answered with it.
   */
  async function answerRotation(ctx: { status: number; body: unknown }, oidc: KoaContextWithOIDC['oidc']): Promise<void> {
    const presented = oidc.params?.refresh_token;
    if (oidc.params?.grant_type !== 'refresh_token' || typeof presented !== 'string' || ctx.status !== 200) return;
    if (!rotations.isGraceRetry(ctx)) {
      if (oidc.entities.RotatedRefreshToken !== undefined) await rotations.keep(presented, ctx.body);
      return;
    }
    const answer = await rotations.answerFor(presented);
    if (answer !== null) {
      ctx.body = answer;
      return;
    }
    // The rotation it raced with failed or is stuck: unavailable, not refused — the client may retry.
    ctx.status = 503;
    ctx.body = { error: 'temporarily_unavailable', error_description: 'the refresh token is being rotated; retry' };
  }

  provider.use(async (ctx, next) => {
    // The provider's own HTML (its form_post response mode) gets the same strict page policy; it adds its script's
    // hash to script-src itself. Our pages replace it with a policy carrying their own nonce.
    ctx.set('content-security-policy', pagePolicy({ nonce: newNonce(), formActions }));
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    if (oidc === undefined) return;
    if (oidc.route === 'token') {
      await answerRotation(ctx, oidc);
      await recordTokenAnswer(ctx, oidc);
    }
    // RP-initiated logout finished with "log out everywhere": end the session row behind the SSO session as well.
    if (oidc.route === 'end_session_confirm' && ctx.status === 303 && oidc.params?.logout !== undefined) {
      const session = oidc.entities.Session;
      await endOurSession(ctx, session === undefined ? undefined : session.uid, 'end_session');
    }
    // An app revoking its refresh token (RFC 7009) is signing out; the session row its SSO session stands for ends
    // with it, so the other apps' revocation checks see it even if the browser never reaches end-session.
    if (oidc.route === 'revocation' && ctx.status === 200 && oidc.entities.RefreshToken !== undefined) {
      await endOurSession(ctx, oidc.entities.RefreshToken.sessionUid, 'revocation');
    }
  });

  provider.on('server_error', (_ctx, error) => logger.error({ err: error }, 'oidc provider error'));
  // Koa prints escaped errors to stderr unless the app has an error listener: ours goes to the structured log.
  (provider as unknown as EventEmitter).on('error', (error: Error) => logger.error({ err: error }, 'oidc provider failure'));
  provider.on('backchannel.error', (_ctx, error, client) => logger.warn({ err: { message: error.message }, clientId: client.clientId }, 'back-channel logout failed'));
  return provider;
}

/** Cookie keys for a local issuer without OIDC_COOKIE_KEYS: random per process (documented: not for production). */
export function generatedCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}
