import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { testBackends } from '../test-support/databases.js';
import { startTestInstance, type TestInstance } from '../test-support/harness.js';

interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, unknown>;
}

interface Document {
  [field: string]: unknown;
  openapi: string;
  externalDocs?: { url: string };
  paths: Record<string, Record<string, Operation>>;
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** `/v1/users/{id}` as Fastify spells it: `/v1/users/:id`. */
function fastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

function operations(document: Document): Array<{ name: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${fastifyPath(path)}`, operation })),
  );
}

describe.each(testBackends().slice(0, 1))('the API document on $name', (backend) => {
  let instance: TestInstance;
  let document: Document;

  beforeAll(async () => {
    instance = await startTestInstance(backend);
    const response = await instance.request('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await response.json()) as Document;
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('lists every route that is not hidden, and no other', () => {
    const documented = instance.declarations.filter(({ route }) => (route.schema as { hide?: boolean } | undefined)?.hide !== true).map(({ name }) => name);
    expect(
      operations(document)
        .map(({ name }) => name)
        .sort(),
    ).toEqual([...new Set(documented)].sort());
  });

  it('names, tags and secures every operation as its access rule says', () => {
    for (const { name, operation } of operations(document)) {
      expect({ name, operationId: typeof operation.operationId, tags: operation.tags?.length ?? 0 }).toEqual({ name, operationId: 'string', tags: 1 });
    }
    const ids = operations(document).map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const secured = (name: string): Operation['security'] => operations(document).find((entry) => entry.name === name)?.operation.security;
    expect(secured('GET /v1/me')).toEqual([{ bearer: [] }]);
    expect(secured('PATCH /v1/users/:id')).toEqual([{ bearer: [] }]);
    expect(secured('POST /v1/auth/login')).toBeUndefined();
  });

  it('declares the refusals of a route with the codes they carry', () => {
    const patch = operations(document).find((entry) => entry.name === 'PATCH /v1/users/:id')?.operation;
    const codes = (status: string): unknown =>
      (patch?.responses?.[status] as { content?: Record<string, { schema?: { properties?: { error?: { enum?: string[] } } } }> } | undefined)?.content?.[
        'application/json'
      ]?.schema?.properties?.error?.enum;
    expect(codes('401')).toEqual(expect.arrayContaining(['invalid_token', 'insufficient_user_authentication', 'invalid_app_credential']));
    expect(codes('403')).toEqual(['insufficient_scope']);
    expect(codes('404')).toEqual(['not_found']);
    expect(codes('409')).toEqual(['conflict']);
  });

  it('requires the app credential where only an app instance may call, and only offers it elsewhere', () => {
    const credentialOf = (name: string) =>
      operations(document)
        .find((entry) => entry.name === name)
        ?.operation.parameters?.find((parameter) => parameter.in === 'header' && parameter.name === 'x-portcullis-app-credential');
    expect(credentialOf('POST /v1/audit/denials')?.required).toBe(true);
    expect(credentialOf('POST /v1/auth/login')?.required ?? false).toBe(false);
  });

  it('leaves the OpenID Provider to its discovery document and links to it', () => {
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/oidc') || path.startsWith('/.well-known/openid'))).toEqual([]);
    expect(document.externalDocs?.url).toMatch(/\/\.well-known\/openid-configuration$/);
  });

  it('serves the reference page outside production under its own content security policy', async () => {
    const page = await instance.request('/docs/static/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe');
    expect(policy).toContain("frame-ancestors 'none'");
    // The API itself keeps its own policy.
    expect((await instance.request('/healthz')).headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
  });
});

describe.each(testBackends().slice(0, 1))('in production on $name', (backend) => {
  let instance: TestInstance;
  let dataDir: string;

  beforeAll(async () => {
    // Production keeps its signing key: a database on disk, in a folder of this test's own.
    dataDir = await mkdtemp(join(tmpdir(), 'portcullis-production-'));
    instance = await startTestInstance(backend, {
      NODE_ENV: 'production',
      ISSUER: 'https://login.example.com',
      DATA_DIR: dataDir,
      MFA_ENCRYPTION_KEY: 'sLLcB4dcgC-vdYQ3EJ2BXwTTWSaUuTgCPdAMNK7WV5o',
    });
  });

  afterAll(async () => {
    await instance?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the document but no reference page', async () => {
    expect((await instance.request('/openapi.json')).status).toBe(200);
    expect((await instance.request('/docs')).status).toBe(404);
    expect((await instance.request('/docs/static/index.html')).status).toBe(404);
    expect(instance.routes.filter((route) => route.includes('/docs'))).toEqual([]);
  });
});
