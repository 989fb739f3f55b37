import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, it, expect } from 'vitest';
import { userSchema } from '@portcullis/contracts';
import { z } from 'zod';
import { ApiError, INVALID_LINK, invalidLink } from '../errors.js';
import { PUBLIC, signedIn } from './access-rule.js';
import { routeResponses } from './route-responses.js';

function codesAt(responses: Record<number, z.ZodType>, status: number): unknown {
  const schema = responses[status];
  return schema instanceof z.ZodObject ? (schema.shape as { error?: z.ZodEnum }).error?.options : undefined;
}

describe('routeResponses', () => {
  it('gives each refusing status the codes this route can answer with, from its access rule and its own refusals', () => {
    const rule = signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true });
    const responses = routeResponses(rule, { 200: z.object({ ok: z.boolean() }) }, { method: 'PATCH', refuses: ['not_found', 'conflict'] });

    expect(codesAt(responses, 400)).toEqual(['invalid_request']);
    expect(codesAt(responses, 401)).toEqual(['invalid_app_credential', 'invalid_token', 'insufficient_user_authentication']);
    expect(codesAt(responses, 403)).toEqual(['insufficient_scope']);
    expect(codesAt(responses, 404)).toEqual(['not_found']);
    expect(codesAt(responses, 409)).toEqual(['conflict']);
    expect(codesAt(responses, 413)).toEqual(['payload_too_large']);
    expect(codesAt(responses, 415)).toEqual(['unsupported_media_type']);
    expect(codesAt(responses, 503)).toEqual(['unavailable']);
  });

  it('declares a code answered with its status variant under that status, beside the codes the registry puts there', () => {
    const responses = routeResponses(PUBLIC, { 204: z.undefined() }, { method: 'POST', refuses: [INVALID_LINK, 'weak_password'] });

    expect(codesAt(responses, 400)).toEqual(['invalid_request', 'invalid_token', 'weak_password']);
    expect(codesAt(responses, 401)).toEqual(['invalid_app_credential']);
    expect(invalidLink()).toMatchObject({ code: 'invalid_token', status: 400, headers: {} });
  });

  it('refuses to build an error with a status its code has no variant for', () => {
    expect(() => new ApiError('not_found', 'No such thing.', { status: 400 })).toThrow(/not_found has no status variant 400/);
  });

  it('declares no token refusals on a public route and no body refusals on a GET', () => {
    const responses = routeResponses(PUBLIC, { 200: z.object({ ok: z.boolean() }) }, { method: 'GET' });
    expect(Object.keys(responses).map(Number).sort()).toEqual([200, 400, 401, 500, 503]);
    expect(codesAt(responses, 401)).toEqual(['invalid_app_credential']);
  });

  it('writes answers through the declared schema, so an undeclared field never leaves the service', async () => {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.withTypeProvider<ZodTypeProvider>().get(
      '/me',
      { schema: { response: routeResponses(PUBLIC, { 200: z.object({ user: userSchema }) }, { method: 'GET' }) } },
      // A row handed over as it came from the store: the hash is not part of the answer's schema.
      async () => ({ user: { id: 'u1', email: 'alice@example.com', name: 'Alice', role: 'USER' as const, scopes: [], passwordHash: '$argon2id$secret' } }),
    );

    const response = await app.inject({ method: 'GET', url: '/me' });

    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('argon2id');
    expect(response.json()).toEqual({ user: { id: 'u1', email: 'alice@example.com', name: 'Alice', role: 'USER', scopes: [] } });
    await app.close();
  });
});
