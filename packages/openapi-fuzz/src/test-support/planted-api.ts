import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { OpenApiDocument } from '../openapi-document.js';

/**
 * A small API on the user-service's stack (Fastify 5, fastify-type-provider-zod, @fastify/swagger, zod 4) whose
 * `/items` and `/reports` routes keep their document, and whose `/planted/*` routes each break it in one known way.
 */

export const TOKENS = { USER: 'user-token-0123456789abcdef', ADMIN: 'admin-token-0123456789abcdef' } as const;

const ErrorBody = z.object({ error: z.string(), message: z.string() });
z.globalRegistry.add(ErrorBody, { id: 'ErrorBody' });

const Item = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.email(),
  count: z.number().int(),
  kind: z.enum(['book', 'tool']),
  tags: z.array(z.enum(['new', 'used', 'rare'])),
  note: z.string().nullable(),
});
z.globalRegistry.add(Item, { id: 'Item' });

function roleOf(request: FastifyRequest): 'USER' | 'ADMIN' | undefined {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  return token === TOKENS.USER ? 'USER' : token === TOKENS.ADMIN ? 'ADMIN' : undefined;
}

export interface PlantedApi {
  readonly baseUrl: string;
  readonly document: OpenApiDocument;
  close(): Promise<void>;
}

function buildPlantedApi(): FastifyInstance {
  const app = Fastify({
    // The planted hang holds its connection open; closing the app must not wait for it.
    forceCloseConnections: true,
    // Errors Fastify raises before routing (a malformed or overlong path) get the documented 400, as in the user-service.
    frameworkErrors: (_error, _request, reply) => {
      // Fastify types this reply with unresolved route generics; it is an ordinary reply.
      void (reply as FastifyReply).code(400).send({ error: 'invalid_request', message: 'The request is malformed.' });
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation !== undefined) return reply.code(400).send({ error: 'invalid_request', message: 'The request is malformed.' });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
      return reply.code(error.statusCode).send({ error: 'invalid_request', message: error.message });
    return reply.code(500).send({ error: 'internal_error', message: 'Something went wrong.' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found', message: 'Not found.' }));
  void app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 'planted', version: '1.0.0' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  app.after(() => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    routes.post('/items/:id', {
      schema: {
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ kind: z.enum(['book', 'tool']).default('book'), dryRun: z.enum(['true', 'false']).optional() }),
        body: z.strictObject({
          name: z.string().min(1).max(20),
          email: z.email().max(254),
          count: z.number().int().min(0).max(100),
          tags: z
            .array(z.enum(['new', 'used', 'rare']))
            .max(3)
            .optional(),
          note: z.string().max(200).nullable(),
          code: z
            .string()
            .regex(/^[A-Z]{3}-\d{2,4}$/)
            .optional(),
        }),
        response: { 201: z.object({ item: Item }), 400: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
      handler: async (request, reply) => {
        const { name, email, count, tags, note } = request.body;
        return reply.code(201).send({ item: { id: request.params.id, name, email, count, kind: request.query.kind, tags: tags ?? [], note } });
      },
    });

    routes.get('/reports', {
      schema: {
        security: [{ bearer: [] }],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10), since: z.iso.datetime().optional() }),
        response: { 200: z.object({ rows: z.array(z.object({ at: z.number(), count: z.number().int() })) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
      handler: async (request, reply) => {
        const role = roleOf(request);
        if (role === undefined) return reply.code(401).send({ error: 'invalid_token', message: 'Sign in.' });
        if (role !== 'ADMIN') return reply.code(403).send({ error: 'insufficient_role', message: 'Admins only.' });
        return { rows: Array.from({ length: Math.min(request.query.limit, 3) }, (_, index) => ({ at: 1_700_000_000_000 + index, count: index })) };
      },
    });

    routes.get('/planted/crash', {
      schema: { querystring: z.object({ n: z.coerce.number().int().min(0).max(100) }), response: { 200: z.object({ n: z.number() }), 400: ErrorBody } },
      handler: async (request) => {
        if (request.query.n >= 50) throw new Error('planted: a handler that fails for large n');
        return { n: request.query.n };
      },
    });

    routes.get('/planted/teapot', {
      schema: { querystring: z.object({ kind: z.enum(['coffee', 'tea']) }), response: { 200: z.object({ kind: z.string() }), 400: ErrorBody } },
      // The planted routes answer what their types forbid, through an untyped reply.
      handler: async (request, reply) =>
        request.query.kind === 'tea' ? (reply as FastifyReply).code(418).send({ error: 'teapot', message: 'Undocumented.' }) : { kind: 'coffee' },
    });

    routes.get('/planted/drift', {
      schema: { response: { 200: z.object({ count: z.number() }) } },
      // Sends past the declared serializer, as a hand-written reply would: the document says number, this sends text.
      handler: async (_request, reply) =>
        (reply as FastifyReply)
          .type('application/json')
          .serializer((payload) => JSON.stringify(payload))
          .send({ count: 'seven' }),
    });

    routes.get('/planted/html', {
      schema: { response: { 200: z.object({ ok: z.boolean() }) } },
      handler: async (_request, reply) => (reply as FastifyReply).type('text/html').send('<p>ok</p>'),
    });

    routes.get('/planted/open', {
      // Declares that it needs a bearer token, and answers everyone.
      schema: { security: [{ bearer: [] }], response: { 200: z.object({ secret: z.string() }), 401: ErrorBody } },
      handler: async () => ({ secret: 'for signed-in callers only' }),
    });

    routes.get('/planted/hang', {
      schema: { response: { 200: z.object({ ok: z.boolean() }) } },
      // Never answers.
      handler: () => new Promise<never>(() => undefined),
    });

    routes.post('/planted/lenient', {
      // The declared body is checked by nobody: whatever arrives is accepted.
      attachValidation: true,
      schema: { body: z.strictObject({ amount: z.number().int().min(1).max(10) }), response: { 200: z.object({ ok: z.boolean() }), 400: ErrorBody, 415: ErrorBody } },
      handler: async () => ({ ok: true }),
    });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** Starts the planted API on a free loopback port. */
export async function startPlantedApi(): Promise<PlantedApi> {
  const app = buildPlantedApi();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as OpenApiDocument;
  return { baseUrl, document, close: () => app.close() };
}
