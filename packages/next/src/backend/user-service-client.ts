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
import { clientHeaders, type ClientInfo } from './client-info.js';

export interface UserServiceClientOptions {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
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
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
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
        throw new BackendUnavailableError();
      }
      return response;
    } catch (error) {
      if (error instanceof BackendUnavailableError) throw error;
      throw new BackendUnavailableError({ cause: error });
    }
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

  async function tokens(response: Response): Promise<TokenResponse> {
    if (!response.ok) throw await rejection(response);
    const parsed = tokenResponseSchema.safeParse(await response.json().catch(() => null));
    // A 200 we cannot read is the backend's fault, not the user's: treat it like an outage.
    if (!parsed.success) throw new BackendUnavailableError();
    return parsed.data;
  }

  return {
    async login(credentials, client) {
      return tokens(await send('/v1/auth/login', { method: 'POST', headers: clientHeaders(client), body: credentials }));
    },
    async refresh(refreshToken, client) {
      return tokens(await send('/v1/auth/refresh', { method: 'POST', headers: clientHeaders(client), body: { refreshToken } }));
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
          throw new BackendUnavailableError();
        }
      }
      return { status: response.status, body };
    },
  };
}
