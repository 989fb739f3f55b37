import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type RouteOptions } from 'fastify';
import { REQUEST_ID_PATTERN, type ErrorBody } from '@portcullis/contracts';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ServiceContext } from './context.js';
import { isDatabaseUnavailable } from './db/database.js';
import { ApiError, UnavailableError } from './errors.js';
import { registerAccessControl } from './http/access-control.js';
import { PUBLIC } from './http/access-rule.js';
import { registerApiDocument, registerApiReference } from './http/api-document.js';
import { registerClientAddress } from './http/client-address.js';
import { invalidInput } from './http/invalid-input.js';
import { registerUnsafeTextGuard } from './http/unsafe-text.js';
import { OidcProviderHolder } from './oidc/provider-holder.js';
import { registerOidcRoutes } from './oidc/routes.js';
import { SessionLinks } from './oidc/session-links.js';
import { registerAccountFlowRoutes } from './routes/account-flows.js';
import { registerApprovalRoutes } from './routes/approvals.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerMailRoutes } from './routes/mail.js';
import { registerInvitationRoutes } from './routes/invitations.js';
import { registerMeRoutes } from './routes/me.js';
import { registerMfaRoutes } from './routes/mfa.js';
import { registerPasskeyRoutes } from './routes/passkeys.js';
import { registerAccountChangeRoutes } from './routes/account-changes.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerUserRoutes } from './routes/users.js';

const BODY_LIMIT_BYTES = 16 * 1024;

/** Fastify's own client errors, mapped to our stable codes. */
function fastifyClientError(error: FastifyError): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', `The request body is larger than ${BODY_LIMIT_BYTES} bytes.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'Send JSON with Content-Type: application/json.');
    default:
      break;
  }
  if (error.statusCode === 413) return new ApiError('payload_too_large', `The request body is larger than ${BODY_LIMIT_BYTES} bytes.`);
  if (error.statusCode === 415) return new ApiError('unsupported_media_type', 'Send JSON with Content-Type: application/json.');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('invalid_request', 'The request is malformed.');
  }
  return null;
}

export interface BuildAppOptions {
  /** Told of every route as it is registered (the test harness lists them, so a new route cannot go unexamined). */
  onRoute?: (route: RouteOptions) => void;
}

/** Builds the HTTP API from its dependencies without listening, so tests can drive it in process. */
export async function buildApp(context: ServiceContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config, logger, metrics } = context;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Fastify hands every request's child an options object, empty unless a route sets a level or serializers; pino
    // takes its slow path (rebuilding formatters) for any options object, so pass none when there is nothing in it.
    childLoggerFactory: (parent, bindings, options) =>
      options.level === undefined && options.serializers === undefined ? parent.child(bindings) : parent.child(bindings, options),
    bodyLimit: BODY_LIMIT_BYTES,
    // Only the configured proxies may tell us the client's address (OWASP ASVS 5.0 §13.2).
    trustProxy: config.trustProxy === undefined ? false : [...config.trustProxy],
    requestTimeout: 15_000,
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 128 },
    // Errors Fastify raises before routing (a path with bad percent-encoding) bypass setErrorHandler: same shape here.
    frameworkErrors: (_error, _request, reply) => {
      const body: ErrorBody = { error: 'invalid_request', message: 'The request is malformed.' };
      // Fastify types this reply with unresolved route generics; it is an ordinary reply.
      void (reply as FastifyReply).code(400).send(body);
    },
    // Input that fails a route's schema: 400 invalid_request naming the fields, never their values.
    schemaErrorFormatter: invalidInput,
  });

  // Every route declares its input and its answers with zod: requests are validated, answers are written through the
  // declared schema, so a field that is not declared never leaves the service.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const registered: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    // The CORS plugin's preflight route: preflights carry no credentials (Fetch standard, CORS protocol), and the plugin
    // answers them in its own hook before any access rule could run.
    if (route.url === '*' && route.method === 'OPTIONS') route.config = { ...route.config, access: PUBLIC };
    registered.push(route);
  });
  // Fail closed: a route nobody decided the access of does not start (OWASP ASVS 5.0 §8.1.1). Checked once every
  // plugin's own onRoute hooks have had their say (the reference pages set theirs in a scope of their own).
  app.addHook('onReady', (done) => {
    const undecided = registered.find((route) => route.config?.access === undefined);
    done(undecided === undefined ? undefined : new Error(`${String(undecided.method)} ${undecided.url} declares no access rule (config.access)`));
  });
  const { onRoute } = options;
  if (onRoute !== undefined) app.addHook('onRoute', onRoute);
  await registerApiDocument(app, config);

  // JSON only: a form or text/plain body (what a cross-site "simple" request can send) is refused with 415.
  app.removeContentTypeParser('text/plain');

  // Exact origins only: no wildcard, no reflection, never "null" (OWASP ASVS 5.0 §3.4.2).
  const allowedOrigins = new Set(config.corsOrigins);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowedOrigins.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    maxAge: 600,
  });

  // OWASP ASVS 5.0 §3.4: security headers on every answer, errors included; the API serves no HTML or scripts.
  // The CSP is the whole policy, not merged into helmet's defaults: those would add script-src 'self' and
  // style-src 'unsafe-inline', looser than default-src 'none' for answers that are never documents (ASVS 5.0 §3.4.3).
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    // Never framed, as frame-ancestors 'none' says to browsers that predate CSP (ASVS 5.0 §3.4.6).
    frameguard: { action: 'deny' },
  });

  // Hooks on every request take Fastify's callback form: an async hook costs a promise and a microtask turn per
  // request, which GET /v1/me measurably paid (docs/benchmarks.md).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const origin = request.headers.origin;
    // A browser on a foreign origin gets nothing from the API, not even the effect of a "simple" request.
    if (origin !== undefined && !allowedOrigins.has(origin) && request.url.startsWith('/v1/')) {
      done(new ApiError('invalid_request', 'This origin is not allowed.', { detail: 'origin refused' }));
      return;
    }
    done();
  });

  registerClientAddress(app, config.appCredentials);

  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  registerUnsafeTextGuard(app, context);
  // After the text guard, as the hand-written checks came after it: hostile text is a 400 for anyone.
  registerAccessControl(app, context);

  app.setNotFoundHandler((_request, reply) => {
    const body: ErrorBody = { error: 'not_found', message: 'Not found.' };
    return reply.code(404).send(body);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let apiError: ApiError;
    if (error instanceof ApiError) {
      apiError = error;
    } else if (error instanceof UnavailableError || isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'dependency unavailable');
      apiError = new ApiError('unavailable', 'The service is temporarily unavailable. Try again shortly.', { headers: { 'retry-after': '1' } });
    } else {
      apiError = fastifyClientError(error) ?? new ApiError('internal_error', 'Something went wrong on our side.');
      if (apiError.code === 'internal_error') request.log.error({ err: error }, 'unexpected error');
    }
    if (apiError.detail !== undefined) request.log.info({ code: apiError.code, detail: apiError.detail }, 'request refused');
    return reply.code(apiError.status).headers(apiError.headers).send(apiError.toBody());
  });

  if (config.env !== 'production') await registerApiReference(app);
  registerSystemRoutes(app, context);
  registerAuthRoutes(app, context);
  registerAccountFlowRoutes(app, context);
  registerMeRoutes(app, context);
  registerMfaRoutes(app, context);
  registerAccountChangeRoutes(app, context);
  registerUserRoutes(app, context);
  registerInvitationRoutes(app, context);
  registerAuditRoutes(app, context);
  registerApprovalRoutes(app, context);
  registerMailRoutes(app, context);
  registerPasskeyRoutes(app, context);
  // docs/sso.md: the OpenID Provider, its discovery document and its sign-in pages.
  await registerOidcRoutes(app, context, new OidcProviderHolder(context, new SessionLinks(context.database.db, context.clock)));
  return app;
}
