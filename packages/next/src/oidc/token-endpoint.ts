import { z } from 'zod';
import { BackendRejectedError, BackendUnavailableError } from '../errors.js';
import type { AuthMetrics, BackendFailure, BackendOperation, BackendOutcome } from '../metrics/auth-metrics.js';
import type { OidcDiscovery } from './discovery.js';

/** A successful token response (RFC 6749 §5.1; OpenID Connect Core §3.1.3.3). */
export const tokenSetSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  /** Seconds the access token lives, counted from when we received it: never compared with our clock against `exp`. */
  expires_in: z.coerce.number().int().positive(),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});

export type TokenSet = z.infer<typeof tokenSetSchema>;

const oauthErrorSchema = z.object({ error: z.string() });

export interface TokenEndpointOptions {
  discovery: OidcDiscovery;
  clientId: string;
  clientSecret: string;
  resource: string;
  fetch: typeof fetch;
  timeoutMs: number;
  metrics?: AuthMetrics;
}

export interface TokenEndpoint {
  /** `grant_type=refresh_token`. Throws `BackendRejectedError('invalid_grant')` when the grant is over, `BackendUnavailableError` otherwise. */
  refresh(refreshToken: string): Promise<TokenSet>;
  /** RFC 7009 revocation of a refresh token; an unknown token counts as revoked (RFC 7009 §2.2). */
  revoke(refreshToken: string): Promise<void>;
}

/**
 * The client side of the provider's token and revocation endpoints, authenticated with client_secret_basic.
 * Only `invalid_grant` ends a session: an outage, a 5xx, throttling or a misconfigured client keeps it, so a
 * provider problem never signs everybody out (the same rule as credentials mode).
 */
export function createTokenEndpoint(options: TokenEndpointOptions): TokenEndpoint {
  // RFC 6749 §2.3.1: id and secret are form-encoded before they go into the Basic credentials.
  const basic = Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64');

  async function post(operation: BackendOperation, url: string, form: Record<string, string>): Promise<Response> {
    const startedAt = performance.now();
    const observe = (outcome: BackendOutcome, failure?: BackendFailure): void => {
      options.metrics?.backendCall({ operation, outcome, seconds: (performance.now() - startedAt) / 1000 });
      if (failure) options.metrics?.backendFailure(operation, failure);
    };
    let response: Response;
    try {
      response = await options.fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
        cache: 'no-store',
      });
    } catch (error) {
      observe('unavailable', error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network');
      throw new BackendUnavailableError({ cause: error });
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      observe('unavailable', 'server_error');
      throw new BackendUnavailableError();
    }
    observe(response.ok ? 'ok' : 'rejected');
    return response;
  }

  return {
    async refresh(refreshToken) {
      const { token_endpoint: endpoint } = await options.discovery.metadata();
      const response = await post('refresh', endpoint, { grant_type: 'refresh_token', refresh_token: refreshToken, resource: options.resource });
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) {
        const error = oauthErrorSchema.safeParse(body);
        if (error.success && error.data.error === 'invalid_grant') {
          throw new BackendRejectedError({ backendCode: 'invalid_grant', backendStatus: response.status });
        }
        // invalid_client, unauthorized_client, throttling…: the app's problem or a passing one, not the user's.
        throw new BackendUnavailableError({ cause: new Error(`token endpoint refused: ${error.success ? error.data.error : response.status}`) });
      }
      const parsed = tokenSetSchema.safeParse(body);
      if (!parsed.success) throw new BackendUnavailableError({ cause: new Error('token response is malformed') });
      return parsed.data;
    },
    async revoke(refreshToken) {
      const { revocation_endpoint: endpoint } = await options.discovery.metadata();
      if (!endpoint) return;
      const response = await post('logout', endpoint, { token: refreshToken, token_type_hint: 'refresh_token' });
      await response.body?.cancel();
      if (!response.ok) throw new BackendRejectedError({ backendCode: 'unknown', backendStatus: response.status });
    },
  };
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
