import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  APP_CREDENTIAL_HEADER,
  denialReportSchema,
  errorBodySchema,
  loginAnswerSchema,
  loginBodySchema,
  mfaLoginBodySchema,
  mfaStatusSchema,
  mfaTokenBodySchema,
  passkeyAuthenticationBodySchema,
  passkeyRegistrationBodySchema,
  passkeySchema,
  recoveryCodesSchema,
  steppedUpSchema,
  totpConfirmBodySchema,
  totpConfirmedSchema,
  totpEnrollmentSchema,
  webauthnOptionsSchema,
  refreshTokenBodySchema,
  scopesForRole,
  sessionStatusSchema,
  tokenResponseSchema,
  userSchema,
  type MfaMethod,
  type Role,
  type TokenResponse,
} from '@portcullis/contracts';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** An unsigned JWS-shaped access token carrying `sid` and how the user signed in; the library only reads those. */
function fakeAccessToken(sid: string, serial: number, amr: readonly string[], authTimeMs: number): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const acr = amr.includes('mfa') ? 'urn:portcullis:acr:mfa' : 'urn:portcullis:acr:1fa';
  return `${part({ alg: 'EdDSA', typ: 'at+jwt' })}.${part({ sid, jti: `j${serial}`, sub: 'u1', amr, acr, auth_time: Math.floor(authTimeMs / 1000) })}.c2ln`;
}

/** The second factors the fake accepts: a code, a recovery code, and an assertion of this credential. */
export const FAKE_TOTP = '123456';
/** The secret the fake hands out at enrolment: random base32 each run, since the fake never checks codes against it. */
const FAKE_TOTP_SECRET = Array.from(randomBytes(16), (byte) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[byte % 32]).join('');
export const FAKE_RECOVERY_CODE = 'abcde-fghij';
export const FAKE_CREDENTIAL_ID = 'good-credential';

/** A sign-in between its password and its second factor, as the service keeps it. */
export interface FakePendingSignIn {
  userId: string;
  role: Role;
  stage: 'second_factor' | 'enrollment';
  methods: MfaMethod[];
}

export interface FakeSession {
  sid: string;
  userId: string;
  role: Role;
  refreshToken: string;
  accessToken: string;
  revoked: boolean;
  amr: string[];
  authTime: number;
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
  'POST /v1/auth/login': { body: loginBodySchema, answer: loginAnswerSchema },
  'POST /v1/auth/refresh': { body: refreshTokenBodySchema, answer: tokenResponseSchema },
  'POST /v1/auth/logout': { body: refreshTokenBodySchema },
  'GET /v1/auth/session': { answer: sessionStatusSchema },
  'POST /v1/audit/denials': { body: denialReportSchema },
  'GET /v1/me': { answer: z.object({ user: userSchema }) },
  'POST /v1/auth/login/mfa': { body: mfaLoginBodySchema, answer: tokenResponseSchema },
  'POST /v1/auth/login/mfa/options': { body: mfaTokenBodySchema, answer: webauthnOptionsSchema },
  'POST /v1/auth/passkey/options': { body: z.strictObject({}), answer: webauthnOptionsSchema },
  'POST /v1/auth/passkey': { body: passkeyAuthenticationBodySchema, answer: tokenResponseSchema },
  'POST /v1/auth/step-up/options': { answer: webauthnOptionsSchema },
  'POST /v1/auth/step-up': { answer: steppedUpSchema },
  'GET /v1/me/mfa': { answer: mfaStatusSchema },
  'POST /v1/me/mfa/totp': { answer: totpEnrollmentSchema },
  'POST /v1/me/mfa/totp/confirm': { body: totpConfirmBodySchema, answer: totpConfirmedSchema },
  'POST /v1/me/mfa/recovery-codes': { answer: recoveryCodesSchema },
  'GET /v1/me/passkeys': { answer: z.object({ passkeys: z.array(passkeySchema) }) },
  'POST /v1/me/passkeys/options': { answer: webauthnOptionsSchema },
  'POST /v1/me/passkeys': { body: passkeyRegistrationBodySchema, answer: z.object({ id: z.string(), login: tokenResponseSchema.optional() }) },
};

/** Step-up bodies: the password, or exactly one second factor. */
const stepUpBody = z.union([
  z.strictObject({ password: z.string().min(1) }),
  z.strictObject({ totp: z.string() }),
  z.strictObject({ recoveryCode: z.string() }),
  z.strictObject({ webauthn: z.unknown() }),
]);

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
  /**
   * Sign-ins waiting for a second factor, by `mfaToken`. `mfa@example.com` has every factor; `enrol@example.com` is an
   * ADMIN without one, who must enrol before any session.
   */
  readonly pending = new Map<string, FakePendingSignIn>();
  /** Passwordless ceremonies the options call started, by the binding it sent back. */
  readonly ceremonies = new Set<string>();
  /** Users with a second factor: their step-up refuses the password alone. */
  readonly usersWithFactors = new Set<string>(['u-mfa']);
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
  issue(role: Role = 'USER', userId = 'u1', amr: readonly string[] = ['pwd']): TokenResponse {
    const sid = `sid-${++this.#serial}`;
    const session: FakeSession = { sid, userId, role, refreshToken: '', accessToken: '', revoked: false, amr: [...amr], authTime: this.now() };
    this.sessions.set(sid, session);
    return this.#rotate(session);
  }

  #rotate(session: FakeSession): TokenResponse {
    const serial = ++this.#serial;
    session.refreshToken = `rt-${session.sid}-${serial}`;
    session.accessToken = fakeAccessToken(session.sid, serial, session.amr, session.authTime);
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
        if (bodyOf.email === 'mfa@example.com')
          return send(200, this.#startPending({ userId: 'u-mfa', role: 'MANAGER', stage: 'second_factor', methods: ['webauthn', 'totp', 'recovery_code'] }));
        if (bodyOf.email === 'enrol@example.com') return send(200, this.#startPending({ userId: 'u-enrol', role: 'ADMIN', stage: 'enrollment', methods: [] }));
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
        return this.#mfaRoute(call, route, bodyOf, byAccess, send);
    }
  }

  #finishEnrolment(mfaToken: string, pending: FakePendingSignIn, method: 'otp' | 'hwk'): TokenResponse {
    this.pending.delete(mfaToken);
    return this.issue(pending.role, pending.userId, ['pwd', method, 'mfa']);
  }

  #startPending(pending: FakePendingSignIn): z.input<typeof loginAnswerSchema> {
    const mfaToken = randomBytes(32).toString('base64url');
    this.pending.set(mfaToken, pending);
    return pending.stage === 'second_factor' ? { mfaRequired: true, mfaToken, methods: pending.methods } : { enrollmentRequired: true, mfaToken };
  }

  /** Whether a proof is one the fake accepts: the fixed code, recovery code or credential. */
  static #proves(body: Record<string, unknown>): boolean {
    if (body.totp !== undefined) return body.totp === FAKE_TOTP;
    if (body.recoveryCode !== undefined) return body.recoveryCode === FAKE_RECOVERY_CODE;
    const assertion = body.webauthn ?? body.response;
    return typeof assertion === 'object' && assertion !== null && 'id' in assertion && assertion.id === FAKE_CREDENTIAL_ID;
  }

  #options(): { challenge: string; rpId: string; userVerification: string; allowCredentials: never[] } {
    return { challenge: randomBytes(16).toString('base64url'), rpId: 'localhost', userVerification: 'required', allowCredentials: [] };
  }

  /** The MFA routes of the issue's contract: the second step, passkeys, enrolment (also with `Authorization: MFA`), step-up, admin. */
  #mfaRoute(
    call: FakeCall,
    route: string,
    body: Record<string, unknown>,
    byAccess: FakeSession | undefined,
    send: (status: number, body?: unknown, headers?: Record<string, string>) => void,
  ): void {
    const authorization = call.headers.authorization ?? '';
    const enrolling = authorization.startsWith('MFA ') ? this.pending.get(authorization.slice(4)) : undefined;
    const pendingOf = (token: unknown) => (typeof token === 'string' ? this.pending.get(token) : undefined);
    switch (route) {
      case 'POST /v1/auth/login/mfa': {
        const pending = pendingOf(body.mfaToken);
        if (!pending || pending.stage !== 'second_factor') return send(401, { error: 'invalid_token', message: 'no' });
        if (body.totp === '000000') return send(429, { error: 'rate_limited', message: 'slow down' }, { 'retry-after': '30' });
        if (!FakeUserService.#proves(body)) return send(401, { error: 'invalid_mfa', message: 'Backend text that must not leak' });
        this.pending.delete(body.mfaToken as string);
        const amr = body.totp !== undefined || body.recoveryCode !== undefined ? ['pwd', 'otp', 'mfa'] : ['pwd', 'hwk', 'user', 'mfa'];
        return send(200, this.issue(pending.role, pending.userId, amr));
      }
      case 'POST /v1/auth/login/mfa/options':
        if (!pendingOf(body.mfaToken)) return send(401, { error: 'invalid_token', message: 'no' });
        return send(200, this.#options());
      case 'POST /v1/auth/passkey/options': {
        const ceremony = `ceremony-${randomBytes(18).toString('base64url')}`;
        this.ceremonies.add(ceremony);
        return send(200, this.#options(), { 'x-webauthn-ceremony': ceremony });
      }
      case 'POST /v1/auth/passkey': {
        const ceremony = call.headers['x-webauthn-ceremony'];
        if (typeof ceremony !== 'string' || !this.ceremonies.delete(ceremony)) return send(401, { error: 'invalid_mfa', message: 'no' });
        if (!FakeUserService.#proves(body)) return send(401, { error: 'invalid_mfa', message: 'no' });
        return send(200, this.issue('MANAGER', 'u-mfa', ['hwk', 'user', 'mfa']));
      }
      case 'POST /v1/auth/step-up/options':
        if (!byAccess) return send(401, { error: 'invalid_token', message: 'no' });
        return send(200, this.#options());
      case 'POST /v1/auth/step-up': {
        if (!byAccess) return send(401, { error: 'invalid_token', message: 'no' });
        if (!stepUpBody.safeParse(body).success) {
          this.schemaViolations.push(`body of ${route}`);
          return send(400, { error: 'invalid_request', message: 'Invalid body.' });
        }
        if ('password' in body) {
          if (this.usersWithFactors.has(byAccess.userId)) return send(401, { error: 'mfa_required', message: 'Backend text that must not leak' });
          return body.password === 'right' ? send(200, { stepUpAt: this.now() }) : send(401, { error: 'invalid_credentials', message: 'no' });
        }
        return FakeUserService.#proves(body) ? send(200, { stepUpAt: this.now() }) : send(401, { error: 'invalid_mfa', message: 'no' });
      }
    }
    // The calls below act for a signed-in user, or for an enrolling sign-in (`Authorization: MFA <mfaToken>`).
    if (!byAccess && !enrolling) return send(401, { error: 'invalid_token', message: 'no' });
    const passkeyPath = /^\/v1\/me\/passkeys\/([A-Za-z0-9_-]+)$/.exec(call.path);
    const userPath = /^\/v1\/users\/([A-Za-z0-9_-]+)\/(mfa\/reset|mfa-required)$/.exec(call.path);
    if (call.method === 'DELETE' && passkeyPath) return send(204);
    if (userPath) {
      if (!byAccess || byAccess.role !== 'ADMIN') return send(403, { error: 'forbidden', message: 'no' });
      if (call.method === 'POST' && userPath[2] === 'mfa/reset') return send(200, { removed: { totp: true, passkeys: 0, recoveryCodes: 0 } });
      if (call.method === 'PUT' && userPath[2] === 'mfa-required' && typeof body.required === 'boolean') return send(200, {});
      return send(400, { error: 'invalid_request', message: 'no' });
    }
    switch (route) {
      case 'GET /v1/me/mfa':
        return send(200, { totp: true, passkeys: 1, recoveryCodesLeft: 10, required: false });
      case 'POST /v1/me/mfa/totp':
        return send(201, { secret: FAKE_TOTP_SECRET, otpauthUrl: `otpauth://totp/Portcullis:u1?secret=${FAKE_TOTP_SECRET}&issuer=Portcullis` });
      case 'POST /v1/me/mfa/totp/confirm':
        if (body.code !== FAKE_TOTP) return send(401, { error: 'invalid_mfa', message: 'no' });
        {
          const recoveryCodes = Array.from({ length: 10 }, (_, i) => `aaaa${String.fromCharCode(98 + i)}-bbbbb`);
          // As the service: confirming the first factor of an enrolling sign-in spends it and answers its session too.
          return send(200, enrolling ? { recoveryCodes, login: this.#finishEnrolment(authorization.slice(4), enrolling, 'otp') } : { recoveryCodes });
        }
      case 'DELETE /v1/me/mfa/totp':
        return send(204);
      case 'POST /v1/me/mfa/recovery-codes':
        return send(200, { recoveryCodes: Array.from({ length: 10 }, (_, i) => `cccc${String.fromCharCode(98 + i)}-ddddd`) });
      case 'GET /v1/me/passkeys':
        return send(200, { passkeys: [{ id: 'pk1', name: 'Laptop', createdAt: 1, lastUsedAt: null, deviceType: 'multiDevice', backedUp: true }] });
      case 'POST /v1/me/passkeys/options':
        return send(200, { challenge: randomBytes(16).toString('base64url'), rp: { id: 'localhost', name: 'Portcullis' } });
      case 'POST /v1/me/passkeys':
        return send(201, enrolling ? { id: 'pk2', login: this.#finishEnrolment(authorization.slice(4), enrolling, 'hwk') } : { id: 'pk2' });
      default:
        return send(404, { error: 'not_found', message: 'no route' });
    }
  }
}
