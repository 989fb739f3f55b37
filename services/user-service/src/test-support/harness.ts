import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { TokenResponse } from '@portcullis/contracts';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createServiceContext, type ServiceContext } from '../context.js';
import { createLogger } from '../logger.js';
import { seedDemoUsers } from '../users/demo-users.js';
import type { TestBackend } from './databases.js';
import { ManualClock } from './manual-clock.js';

/** The demo users' password in this test process: random, so no credential is written into the repository. */
export const DEMO_PASSWORD = randomBytes(18).toString('base64url');
export const ALICE = 'alice@example.com';
export const MARIA = 'maria@example.com';
export const ADAM = 'adam@example.com';

export interface TestInstance {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly context: ServiceContext;
  readonly clock: ManualClock;
  /** Every log line the instance wrote, for checks that secrets never reach the log. */
  readonly logs: string[];
  /** Every route the app registered, as `METHOD /url`; HEAD is left out (it is GET without the body). */
  readonly routes: readonly string[];
  /**
   * The same routes with their declarations (access rule, schemas): `name` as in `routes`, taken when the route was
   * added (Fastify reuses one declaration for `/prefix` and `/prefix/`, and changes its `url` for the second).
   */
  readonly declarations: ReadonlyArray<{ readonly name: string; readonly route: RouteOptions }>;
  request(path: string, init?: RequestInit & { json?: unknown; token?: string }): Promise<Response>;
  login(email: string, password?: string, headers?: Record<string, string>): Promise<TokenResponse>;
  refresh(refreshToken: string): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a user-service on a random port with demo users, on a fresh database of the given back-end. */
export async function startTestInstance(
  backend: TestBackend,
  env: Record<string, string> = {},
  options: { clock?: ManualClock; database?: { env: Record<string, string>; drop(): Promise<void> } } = {},
): Promise<TestInstance> {
  const database = options.database ?? (await backend.create());
  const ownsDatabase = options.database === undefined;
  const clock = options.clock ?? new ManualClock();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  // No role must enrol a second factor unless a test says so: the demo ADMIN and MANAGER sign in with a password alone.
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', MFA_REQUIRED_ROLES: 'none', ...database.env, ...env });
  const context = await createServiceContext(config, { clock, logger: createLogger({ level: config.logLevel, destination }) });
  await seedDemoUsers(context.users, context.passwords, DEMO_PASSWORD);
  const routes: string[] = [];
  const declarations: Array<{ name: string; route: RouteOptions }> = [];
  const app = await buildApp(context, {
    onRoute: (route) => {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        routes.push(`${method} ${route.url}`);
        declarations.push({ name: `${method} ${route.url}`, route });
      }
    },
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });

  async function request(path: string, init: RequestInit & { json?: unknown; token?: string } = {}): Promise<Response> {
    const { json, token, headers, ...rest } = init;
    return fetch(`${address}${path}`, {
      ...rest,
      headers: {
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(headers as Record<string, string> | undefined),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  }

  return {
    url: address,
    app,
    context,
    clock,
    logs,
    routes,
    declarations,
    request,
    async login(email, password = DEMO_PASSWORD, headers = {}) {
      const response = await request('/v1/auth/login', { method: 'POST', json: { email, password }, headers });
      if (response.status !== 200) throw new Error(`login of ${email} failed with ${response.status}: ${await response.text()}`);
      return (await response.json()) as TokenResponse;
    },
    refresh: (refreshToken) => request('/v1/auth/refresh', { method: 'POST', json: { refreshToken } }),
    async close() {
      await app.close();
      await context.close();
      if (ownsDatabase) await database.drop();
    },
  };
}
