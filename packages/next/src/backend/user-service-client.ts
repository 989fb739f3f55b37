import {
  isErrorCode,
  tokenResponseSchema,
  type ErrorCode,
  type Role,
  type Scope,
  type TokenResponse,
} from '@portcullis/contracts';
import { z } from 'zod';
import { BackendRejectedError, BackendUnavailableError } from '../errors.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import type { AuthMetrics, BackendFailure, BackendOperation, BackendOutcome } from '../metrics/auth-metrics.js';
import { clientHeaders, type ClientInfo } from './client-info.js';

export interface UserServiceClientOptions {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** The id of the request being served, sent as `x-request-id` so the user-service logs it as `reqId`. */
  requestId?: () => Promise<string | undefined>;
  /** Counts calls, failures and latency per operation. */
  metrics?: AuthMetrics;
}

export interface DenialReport {
  resource: string;
  requiredRole?: Role;
  requiredScope?: Scope;
}

export interface BackendResponse {
  status: number;
  body: unknown;
}

/** Whether the backend still considers a session alive; `revoked` covers ended, revoked and disabled. */
export type SessionStatus = 'active' | 'revoked';

export interface UserServiceClient {
  login(credentials: { email: string; password: string }, client: ClientInfo): Promise<TokenResponse>;
  refresh(refreshToken: string, client: ClientInfo): Promise<TokenResponse>;
  logout(refreshToken: string, client: ClientInfo): Promise<void>;
  sessionStatus(accessToken: string): Promise<SessionStatus>;
  reportDenial(accessToken: string, denial: DenialReport): Promise<void>;
  /** A call on behalf of the signed-in user; 4xx answers are returned, not thrown. */
  call(request: { method: string; path: string; accessToken: string; body?: unknown }): Promise<BackendResponse>;
}

const errorBodySchema = z.object({ error: z.string(), message: z.string().optional() });

export function createUserServiceClient(options: UserServiceClientOptions): UserServiceClient {
  async function send(path: string, init: { method: string; headers?: Record<string, string>; body?: unknown }): Promise<Response> {
    const operation = operationOf(path);
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
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
    const response = await send(path, { method: 'POST', ...init });
    if (!response.ok) throw await rejection(response);
    const parsed = tokenResponseSchema.safeParse(await response.json().catch(() => null));
    // A 200 we cannot read is the backend's fault, not the user's: treat it like an outage.
    if (!parsed.success) throw unreadable(path);
    return parsed.data;
  }

  return {
    async login(credentials, client) {
      return tokens('/v1/auth/login', { headers: clientHeaders(client), body: credentials });
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
    async call(request) {
      const response = await send(request.path, {
        method: request.method,
        headers: { authorization: `Bearer ${request.accessToken}` },
        body: request.body,
      });
      const text = await response.text();
      let body: unknown = null;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          throw unreadable(request.path);
        }
      }
      return { status: response.status, body };
    },
  };
}

// Metric labels come from this fixed table, never from the path itself (which carries ids).
const OPERATIONS: Readonly<Record<string, BackendOperation>> = {
  '/v1/auth/login': 'login',
  '/v1/auth/refresh': 'refresh',
  '/v1/auth/logout': 'logout',
  '/v1/auth/session': 'session_status',
  '/v1/auth/step-up': 'step_up',
  '/v1/audit/denials': 'report_denial',
};

function operationOf(path: string): BackendOperation {
  const pathname = path.split('?', 1)[0] ?? path;
  return OPERATIONS[pathname] ?? (pathname.startsWith('/v1/approvals/') ? 'approval' : 'call');
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
