import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  APP_CREDENTIAL_HEADER,
  denialReportSchema,
  errorBodySchema,
  loginBodySchema,
  refreshTokenBodySchema,
  scopesForRole,
  sessionStatusSchema,
  tokenResponseSchema,
  userSchema,
  type Role,
  type TokenResponse,
} from '@portcullis/contracts';
import { z } from 'zod';

/** An unsigned JWS-shaped access token carrying `sid`; the library only reads `sid` from it. */
function fakeAccessToken(sid: string, serial: number): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'EdDSA', typ: 'at+jwt' })}.${part({ sid, jti: `j${serial}`, sub: 'u1' })}.c2ln`;
}

export interface FakeSession {
  sid: string;
  userId: string;
  role: Role;
  refreshToken: string;
  accessToken: string;
  revoked: boolean;
}

export interface FakeCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Override = (call: FakeCall, res: ServerResponse) => boolean | Promise<boolean>;

/** What the real service accepts on each route the fake serves, and what it answers with (@portcullis/contracts). */
const WIRE: Readonly<Record<string, { body?: z.ZodType; answer?: z.ZodType }>> = {
  'POST /v1/auth/login': { body: loginBodySchema, answer: tokenResponseSchema },
  'POST /v1/auth/refresh': { body: refreshTokenBodySchema, answer: tokenResponseSchema },
  'POST /v1/auth/logout': { body: refreshTokenBodySchema },
  'GET /v1/auth/session': { answer: sessionStatusSchema },
  'POST /v1/audit/denials': { body: denialReportSchema },
  'GET /v1/me': { answer: z.object({ user: userSchema }) },
};

/**
 * A tiny stand-in for the user-service: login, refresh with rotation, logout, session check, denials. It holds the
 * library to the wire schemas both sides import: a request body or an answer of its own that breaks them fails the
 * test (`schemaViolations`), so the fake cannot drift from the service.
 * Tests read `calls` to see the HTTP conversation and set `override` to inject failures or delays.
 */
export class FakeUserService {
  readonly calls: FakeCall[] = [];
  /** Bodies the library sent, or answers the fake gave, that the wire schemas refuse; `stop()` fails if there are any. */
  readonly schemaViolations: string[] = [];
  readonly sessions = new Map<string, FakeSession>();
  override: Override | undefined;
  accessTokenTtlMs = 5_000;
  /** The grace window the real service announces in its token answers; unset, the answers carry none. */
  refreshReuseGraceSeconds: number | undefined;
  now: () => number = Date.now;
  /** The app credential the real service would know (APP_CREDENTIALS); only it may report denials. */
  appCredential: string | undefined;
  #server: Server | undefined;
  #serial = 0;

  get url(): string {
    const address = this.#server?.address() as AddressInfo | null;
    if (!address) throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  callsTo(path: string): FakeCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  /** Stops listening; fails when the conversation broke the wire schemas, so no test passes on a drifted fake. */
  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
    if (this.schemaViolations.length > 0) throw new Error(`the conversation broke the wire schemas: ${this.schemaViolations.join('; ')}`);
  }

  /** Creates a session as a login would and returns its token response. */
  issue(role: Role = 'USER', userId = 'u1'): TokenResponse {
    const sid = `sid-${++this.#serial}`;
    const session: FakeSession = { sid, userId, role, refreshToken: '', accessToken: '', revoked: false };
    this.sessions.set(sid, session);
    return this.#rotate(session);
  }

  #rotate(session: FakeSession): TokenResponse {
    const serial = ++this.#serial;
    session.refreshToken = `rt-${session.sid}-${serial}`;
    session.accessToken = fakeAccessToken(session.sid, serial);
    const now = this.now();
    return {
      tokenType: 'Bearer',
      accessToken: session.accessToken,
      accessTokenExpiresAt: now + this.accessTokenTtlMs,
      refreshToken: session.refreshToken,
      refreshTokenExpiresAt: now + 3_600_000,
      sessionExpiresAt: now + 86_400_000,
      ...(this.refreshReuseGraceSeconds === undefined ? {} : { refreshReuseGraceSeconds: this.refreshReuseGraceSeconds }),
      user: this.#user(session),
    };
  }

  #user(session: FakeSession): TokenResponse['user'] {
    return { id: session.userId, email: `${session.userId}@example.com`, name: session.userId, role: session.role, scopes: [...scopesForRole(session.role)] };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const call: FakeCall = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: text ? JSON.parse(text) : undefined };
    this.calls.push(call);
    if (this.override && (await this.override(call, res))) return;
    const route = `${call.method} ${call.path}`;
    const wire = WIRE[route];
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      const answerSchema = status >= 400 ? errorBodySchema : status === 204 ? undefined : wire?.answer;
      if (answerSchema !== undefined && !answerSchema.safeParse(body).success) this.schemaViolations.push(`answer ${status} to ${route}`);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    // As the real service: a credential it does not know is refused before anything else.
    const credential = req.headers[APP_CREDENTIAL_HEADER];
    if (credential !== undefined && credential !== this.appCredential) return send(401, { error: 'invalid_app_credential', message: 'no' });
    if (wire?.body !== undefined && !wire.body.safeParse(call.body).success) {
      this.schemaViolations.push(`body of ${route}`);
      return send(400, { error: 'invalid_request', message: 'Invalid body.' });
    }
    const bodyOf = (call.body ?? {}) as Record<string, unknown>;
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const byAccess = [...this.sessions.values()].find((s) => s.accessToken === bearer && !s.revoked);
    switch (route) {
      case 'POST /v1/auth/login':
        if (bodyOf.password === 'throttle') return send(429, { error: 'rate_limited', message: 'slow down' }, { 'retry-after': '42' });
        if (bodyOf.password !== 'right') return send(401, { error: 'invalid_credentials', message: 'Backend text that must not leak' });
        // An open sign-up whose mailed link was not followed yet: refused only once the password matched.
        if (bodyOf.email === 'unverified@example.com') return send(403, { error: 'email_unverified', message: 'Backend text that must not leak' });
        return send(200, this.issue(bodyOf.email === 'admin@example.com' ? 'ADMIN' : 'USER'));
      case 'POST /v1/auth/refresh': {
        const session = [...this.sessions.values()].find((s) => s.refreshToken === bodyOf.refreshToken && !s.revoked);
        if (!session) return send(401, { error: 'invalid_grant', message: 'no' });
        return send(200, this.#rotate(session));
      }
      case 'POST /v1/auth/logout': {
        const session = [...this.sessions.values()].find((s) => s.refreshToken === bodyOf.refreshToken);
        if (session) session.revoked = true;
        return send(204);
      }
      case 'GET /v1/auth/session':
        if (!byAccess) return send(401, { error: 'invalid_token', message: 'no' });
        return send(200, { session: { id: byAccess.sid, userId: byAccess.userId, authTime: this.now(), createdAt: this.now(), expiresAt: this.now() + 3_600_000 } });
      case 'POST /v1/audit/denials':
        if (credential === undefined) return send(401, { error: 'invalid_app_credential', message: 'no' });
        if (!byAccess) return send(401, { error: 'invalid_token', message: 'no' });
        return send(204);
      case 'GET /v1/me':
        if (!byAccess) return send(401, { error: 'invalid_token', message: 'no' });
        return send(200, { user: this.#user(byAccess) });
      default:
        return send(404, { error: 'not_found', message: 'no route' });
    }
  }
}
