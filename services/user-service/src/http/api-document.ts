import swagger, { type SwaggerTransform } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { PUBLIC, type AccessRule } from './access-rule.js';

export const OPENAPI_PATH = '/openapi.json';
export const API_REFERENCE_PREFIX = '/docs';
const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** Each operation says what it needs, from its route's access rule: the document cannot disagree with the hook. */
function securityOf(access: AccessRule | undefined): Array<Record<string, string[]>> | undefined {
  if (access?.kind === 'signed_in') return [{ bearer: [] }];
  if (access?.kind === 'metrics_scraper') return [{ metricsToken: [] }, {}];
  return undefined;
}

const documentTransform: SwaggerTransform = (input) => {
  const transformed = jsonSchemaTransform(input);
  const security = securityOf(input.route.config?.access);
  return security === undefined ? transformed : { ...transformed, schema: { ...transformed.schema, security } };
};

/**
 * Collects every route's declaration into an OpenAPI 3.1 document. Registered before the routes (it learns of them as
 * they are added); the OpenID Provider's endpoints are hidden and the document links to its discovery instead.
 */
export async function registerApiDocument(app: FastifyInstance, config: Config): Promise<void> {
  const discovery = new URL(DISCOVERY_PATH, config.issuer).href;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Portcullis user-service',
        version: '1',
        description: `Sign-in, sessions, approvals and administration. Refusals are \`{ "error": code, "message": text }\`. The OpenID Connect endpoints (authorization, token, userinfo, end session, revocation) are described by the provider's discovery document: ${discovery}.`,
      },
      externalDocs: { description: 'OpenID Provider discovery (OpenID Connect Discovery 1.0)', url: discovery },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (RFC 9068) from /v1/auth/login or /v1/auth/refresh.' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN; without TRUST_PROXY a loopback caller needs none.' },
        },
      },
    },
    transform: documentTransform,
    transformObject: jsonSchemaTransformObject,
  });

  let document: string | undefined;
  app.get(OPENAPI_PATH, { config: { access: PUBLIC }, schema: { hide: true } }, async (_request, reply) => {
    // The routes are all known once the app is ready; the document never changes after that.
    document ??= JSON.stringify(app.swagger());
    return reply.header('content-type', 'application/json; charset=utf-8').send(document);
  });
}

/**
 * A browsable reference of the document at /docs, outside production only. The API's policy is `default-src 'none'`;
 * these pages alone get one that lets Swagger UI's own scripts and styles run, from this origin and nothing else
 * (OWASP ASVS 5.0 §3.4.3).
 */
export async function registerApiReference(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    // Swagger UI's routes are its own: mark them public and keep them out of the document they serve.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: PUBLIC };
      // In place: Fastify registers `/docs` and `/docs/` from one declaration, sharing its schema object.
      if (route.schema === undefined) route.schema = { hide: true };
      else route.schema.hide = true;
    });
    await scope.register(swaggerUi, {
      routePrefix: API_REFERENCE_PREFIX,
      uiConfig: { validatorUrl: null },
      staticCSP: {
        'default-src': ["'none'"],
        'script-src': ["'self'"],
        // The one style element Swagger UI's bundle writes at run time, by its hash (Chromium names it when it is
        // refused); a newer Swagger UI with another one only loses that bit of styling, nothing is let in.
        'style-src': ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'base-uri': ["'none'"],
        'form-action': ["'none'"],
        'frame-ancestors': ["'none'"],
      },
    });
  });
}
