import {
  APP_CREDENTIAL_HEADER,
  approvalDecidedSchema,
  approvalTicketSchema,
  errorBodySchema,
  isErrorCode,
  loginAnswerSchema,
  steppedUpSchema,
  tokenResponseSchema,
  type ApprovalDecided,
  type ApprovalTicket,
  type DenialReport,
  type ErrorCode,
  type AuthenticationResponse,
  type LoginAnswer,
  type MfaLoginBody,
  type SecondFactorProof,
  type TokenResponse,
} from '@portcullis/contracts';
import { z } from 'zod';
import { ApprovalRefusedError, BackendRejectedError, BackendUnavailableError } from '../errors.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import type { Logger } from '../logging/logger.js';
import type { AuthMetrics, BackendFailure, BackendOperation, BackendOutcome } from '../metrics/auth-metrics.js';
import { backendRefusal, type BackendResponse } from './backend-refusal.js';
import { clientHeaders, type ClientInfo } from './client-info.js';

export type { ApprovalDecided } from '@portcullis/contracts';

export interface UserServiceClientOptions {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** The id of the request being served, sent as `x-request-id` so the user-service logs it as `reqId`. */
  requestId?: () => Promise<string | undefined>;
  /** Counts calls, failures and latency per operation. */
  metrics?: AuthMetrics;
  /** Sent on every call: the user-service then believes the browser address we name and takes our denial reports. */
  appCredential?: string;
  /** Where a refused app credential is reported (once): it is this app's configuration, not any user's fault. */
  logger?: Logger;
}

export type ApprovalDecision = 'approve' | 'reject';

/** The user-service's public account calls (docs/accounts.md), each `POST` with a JSON body. */
const ACCOUNT_PATHS = [
  '/v1/auth/password/forgot',
  '/v1/auth/password/reset',
  '/v1/auth/signup',
  '/v1/auth/email/verify',
  '/v1/auth/email/verify/resend',
  '/v1/auth/invitations/accept',
  '/v1/auth/email/confirm',
  '/v1/auth/email/cancel',
] as const;
export type AccountPath = (typeof ACCOUNT_PATHS)[number];

/** Whether the backend still considers a session alive; `revoked` covers ended, revoked and disabled. */
export type SessionStatus = 'active' | 'revoked';

/**
 * The header that binds a passwordless passkey ceremony to one browser: the service sends it with the options, and
 * wants it back with the assertion (WebAuthn L3 §13.4.3: a challenge is only good for the ceremony it was issued to).
 */
export const WEBAUTHN_CEREMONY_HEADER = 'x-webauthn-ceremony';

/** Who a call of `mfaCall` speaks for: a signed-in user, a sign-in still owing a factor (`Authorization: MFA`), or nobody. */
export type MfaCallCredential = { accessToken: string } | { mfaToken: string } | null;

export interface UserServiceClient {
  /** The password step: tokens, or — for a user with (or owing) a second factor — an `mfaToken` and no token at all. */
  login(credentials: { email: string; password: string }, client: ClientInfo): Promise<LoginAnswer>;
  /** The second step of a sign-in: the pending sign-in's `mfaToken` and one proof; the tokens, or a typed refusal. */
  loginWithSecondFactor(body: MfaLoginBody, client: ClientInfo): Promise<TokenResponse>;
  /** Passwordless sign-in with a discoverable passkey, bound to the ceremony whose options the browser got. */
  passkeySignIn(input: { response: AuthenticationResponse; ceremony: string }, client: ClientInfo): Promise<TokenResponse>;
  /** A call of the MFA routes (options, enrolment, factors); 4xx answers are returned, not thrown. */
  mfaCall(request: { method: string; path: string; credential: MfaCallCredential; body?: unknown; client: ClientInfo }): Promise<BackendResponse>;
  refresh(refreshToken: string, client: ClientInfo): Promise<TokenResponse>;
  logout(refreshToken: string, client: ClientInfo): Promise<void>;
  sessionStatus(accessToken: string): Promise<SessionStatus>;
  reportDenial(accessToken: string, denial: DenialReport): Promise<void>;
  /**
   * The approver's password check for one request (no session is created): a single-use ticket, valid minutes,
   * and what the approver is about to decide. Throws the typed refusals of `backendRefusal`.
   */
  /** An approver with a second factor gives its code too (`totp` or `recoveryCode`); the password alone is refused then. */
  approverSignIn(input: { email: string; password: string; requestId: string; totp?: string; recoveryCode?: string }, client: ClientInfo): Promise<ApprovalTicket>;
  /** Spends the ticket on a decision bound to the opener's `state`. */
  decideApproval(input: { ticket: string; state: string; decision: ApprovalDecision }, client: ClientInfo): Promise<ApprovalDecided>;
  /**
   * RFC 9470 step-up: the signed-in user proves themselves again — with the password, or with a second factor, which the
   * service insists on when the user has one; the session counts as freshly authenticated.
   */
  stepUp(accessToken: string, proof: { password: string } | SecondFactorProof, client: ClientInfo): Promise<{ stepUpAt: number }>;
  /**
   * A public call of the account pages (forgot password, sign-up, a link from a mail) for the browser `client`, with no
   * user token: the service throttles by the address we name. 4xx answers are returned, not thrown.
   */
  accountCall(path: AccountPath, body: Readonly<Record<string, string>>, client: ClientInfo): Promise<BackendResponse>;
  /** A call on behalf of the signed-in user; 4xx answers are returned, not thrown (see `backendRefusal`). */
  call(request: { method: string; path: string; accessToken: string; body?: unknown; client?: ClientInfo }): Promise<BackendResponse>;
}

export function createUserServiceClient(options: UserServiceClientOptions): UserServiceClient {
  let credentialRefusalLogged = false;

  /**
   * Whether a 401 refuses this app rather than the user: a wrong or unknown app credential. That is "unavailable" —
   * sessions stay, calls are retried once the configuration is fixed — never "refused", which would sign every user out.
   */
  async function refusesApp(response: Response): Promise<boolean> {
    if (response.status !== 401) return false;
    const body = errorBodySchema.safeParse(
      await response
        .clone()
        .json()
        .catch(() => null),
    );
    if (!body.success || body.data.error !== 'invalid_app_credential') return false;
    if (!credentialRefusalLogged) {
      credentialRefusalLogged = true;
      options.logger?.error(
        { event: 'backend.app_credential_refused' },
        'the user-service refused this app credential: check PORTCULLIS_APP_CREDENTIAL against its APP_CREDENTIALS',
      );
    }
    return true;
  }

  async function send(path: string, init: { method: string; headers?: Record<string, string>; body?: unknown }): Promise<Response> {
    const operation = operationOf(path);
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (options.appCredential !== undefined) headers[APP_CREDENTIAL_HEADER] = options.appCredential;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const requestId = await options.requestId?.();
    if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
    const startedAt = performance.now();
    const observe = (outcome: BackendOutcome, failure?: BackendFailure): void => {
      options.metrics?.backendCall({ operation, outcome, seconds: (performance.now() - startedAt) / 1000 });
      if (failure) options.metrics?.backendFailure(operation, failure);
    };
    try {
      const response = await options.fetch(`${options.baseUrl}${path}`, {
        method: init.method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
        cache: 'no-store',
      });
      // 5xx means "try again later", never "your session is bad": keep sessions alive through outages.
      if (response.status >= 500) {
        await response.body?.cancel();
        observe('unavailable', 'server_error');
        throw new BackendUnavailableError();
      }
      if (await refusesApp(response)) {
        await response.body?.cancel();
        observe('unavailable', 'app_credential_refused');
        throw new BackendUnavailableError();
      }
      observe(response.status >= 400 ? 'rejected' : 'ok');
      return response;
    } catch (error) {
      if (error instanceof BackendUnavailableError) throw error;
      observe('unavailable', isTimeout(error) ? 'timeout' : 'network');
      throw new BackendUnavailableError({ cause: error });
    }
  }

  /** A 2xx whose body cannot be read counts as a failure of the call, not of the user. */
  function unreadable(path: string): BackendUnavailableError {
    options.metrics?.backendFailure(operationOf(path), 'unreadable');
    return new BackendUnavailableError();
  }

  async function rejection(response: Response): Promise<BackendRejectedError> {
    const parsed = errorBodySchema.safeParse(await response.json().catch(() => null));
    const code: ErrorCode | 'unknown' = parsed.success && isErrorCode(parsed.data.error) ? parsed.data.error : 'unknown';
    const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
    return new BackendRejectedError({
      backendCode: code,
      backendStatus: response.status,
      ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}),
    });
  }

  async function tokens(path: string, init: { headers: Record<string, string>; body: unknown }): Promise<TokenResponse> {
    return tokenLike(path, init, tokenResponseSchema);
  }

  async function tokenLike<S extends z.ZodType>(path: string, init: { headers: Record<string, string>; body: unknown }, schema: S): Promise<z.output<S>> {
    const response = await send(path, { method: 'POST', ...init });
    if (!response.ok) throw await rejection(response);
    const parsed = schema.safeParse(await response.json().catch(() => null));
    // A 200 we cannot read is the backend's fault, not the user's: treat it like an outage.
    if (!parsed.success) throw unreadable(path);
    return parsed.data;
  }

  /** Reads a 2xx body with `schema`, or throws the typed refusal; a 2xx we cannot read counts as an outage. */
  async function readAnswer<S extends z.ZodType>(path: string, response: Response, schema: S): Promise<z.output<S>> {
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) throw backendRefusal({ status: response.status, body, headers: response.headers });
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw unreadable(path);
    return parsed.data;
  }

  return {
    async login(credentials, client) {
      return tokenLike('/v1/auth/login', { headers: clientHeaders(client), body: credentials }, loginAnswerSchema);
    },
    async loginWithSecondFactor(body, client) {
      return tokens('/v1/auth/login/mfa', { headers: clientHeaders(client), body });
    },
    async passkeySignIn({ response, ceremony }, client) {
      return tokens('/v1/auth/passkey', { headers: { ...clientHeaders(client), [WEBAUTHN_CEREMONY_HEADER]: ceremony }, body: { response } });
    },
    async mfaCall(request) {
      const headers = clientHeaders(request.client);
      const credential = request.credential;
      if (credential !== null) headers.authorization = 'accessToken' in credential ? `Bearer ${credential.accessToken}` : `MFA ${credential.mfaToken}`;
      return answerOf(request.path, await send(request.path, { method: request.method, headers, body: request.body }));
    },
    async refresh(refreshToken, client) {
      return tokens('/v1/auth/refresh', { headers: clientHeaders(client), body: { refreshToken } });
    },
    async logout(refreshToken, client) {
      const response = await send('/v1/auth/logout', { method: 'POST', headers: clientHeaders(client), body: { refreshToken } });
      if (!response.ok) throw await rejection(response);
      await response.body?.cancel();
    },
    async sessionStatus(accessToken) {
      const response = await send('/v1/auth/session', { method: 'GET', headers: { authorization: `Bearer ${accessToken}` } });
      await response.body?.cancel();
      if (response.ok) return 'active';
      if (response.status === 401) return 'revoked';
      throw await rejection(response);
    },
    async reportDenial(accessToken, denial) {
      const response = await send('/v1/audit/denials', {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}` },
        body: denial,
      });
      if (!response.ok) throw await rejection(response);
      await response.body?.cancel();
    },
    async approverSignIn(input, client) {
      const response = await send('/v1/approvals/sign-in', { method: 'POST', headers: clientHeaders(client), body: input });
      // 404 here means the request named in the popup's URL does not exist: an approval refusal, not a lost route.
      if (response.status === 404) {
        await response.body?.cancel();
        throw new ApprovalRefusedError('request_not_found');
      }
      return readAnswer('/v1/approvals/sign-in', response, approvalTicketSchema);
    },
    async decideApproval(input, client) {
      const path = '/v1/approvals/decisions';
      return readAnswer(path, await send(path, { method: 'POST', headers: clientHeaders(client), body: input }), approvalDecidedSchema);
    },
    async stepUp(accessToken, proof, client) {
      const response = await send('/v1/auth/step-up', {
        method: 'POST',
        headers: { ...clientHeaders(client), authorization: `Bearer ${accessToken}` },
        body: proof,
      });
      return readAnswer('/v1/auth/step-up', response, steppedUpSchema);
    },
    async accountCall(path, body, client) {
      return answerOf(path, await send(path, { method: 'POST', headers: clientHeaders(client), body }));
    },
    async call(request) {
      const response = await send(request.path, {
        method: request.method,
        // The browser's address and agent when the call checks a password: the service throttles and audits by them.
        headers: { authorization: `Bearer ${request.accessToken}`, ...(request.client === undefined ? {} : clientHeaders(request.client)) },
        body: request.body,
      });
      return answerOf(request.path, response);
    },
  };

  /** The status, JSON body (null when empty) and headers of an answer; a body that is not JSON counts as an outage. */
  async function answerOf(path: string, response: Response): Promise<BackendResponse> {
    const text = await response.text();
    let body: unknown = null;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        throw unreadable(path);
      }
    }
    return { status: response.status, body, headers: response.headers };
  }
}

// Metric labels come from this fixed table, never from the path itself (which carries ids).
const OPERATIONS: Readonly<Record<string, BackendOperation>> = {
  '/v1/auth/login': 'login',
  '/v1/auth/login/mfa': 'login',
  '/v1/auth/passkey': 'login',
  '/v1/auth/refresh': 'refresh',
  '/v1/auth/logout': 'logout',
  '/v1/auth/session': 'session_status',
  '/v1/auth/step-up': 'step_up',
  '/v1/audit/denials': 'report_denial',
};

function operationOf(path: string): BackendOperation {
  const pathname = path.split('?', 1)[0] ?? path;
  if (pathname.startsWith('/v1/approvals/')) return 'approval';
  return OPERATIONS[pathname] ?? (ACCOUNT_PATHS.some((path) => path === pathname) ? 'account' : 'call');
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
