import { z } from 'zod';
import { BackendUnavailableError } from '../errors.js';

/** The parts of the provider's discovery document (OpenID Connect Discovery 1.0 §3) the library uses. */
const metadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  end_session_endpoint: z.url().optional(),
  revocation_endpoint: z.url().optional(),
  // REQUIRED by OpenID Connect Discovery 1.0 §3: the only algorithms the library verifies ID and logout tokens with.
  id_token_signing_alg_values_supported: z.array(z.string()),
});

export type ProviderMetadata = z.infer<typeof metadataSchema>;

export interface OidcDiscoveryOptions {
  issuer: string;
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => number;
  /** How long a document read is reused before it is read again. */
  maxAgeMs?: number;
}

/** `{issuer}/.well-known/openid-configuration`, with one slash between (OpenID Connect Discovery 1.0 §4). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Reads the provider's endpoints from its discovery document instead of hard-coding them, once per `maxAgeMs`,
 * with concurrent callers sharing one request. A failed read is not cached: the next caller tries again.
 */
export class OidcDiscovery {
  readonly #options: Required<OidcDiscoveryOptions>;
  #cached: { metadata: ProviderMetadata; until: number } | undefined;
  #pending: Promise<ProviderMetadata> | undefined;

  constructor(options: OidcDiscoveryOptions) {
    this.#options = { maxAgeMs: 10 * 60_000, ...options };
  }

  metadata(): Promise<ProviderMetadata> {
    const cached = this.#cached;
    if (cached && cached.until > this.#options.now()) return Promise.resolve(cached.metadata);
    if (this.#pending) return this.#pending;
    const promise = this.#read().finally(() => {
      if (this.#pending === promise) this.#pending = undefined;
    });
    this.#pending = promise;
    return promise;
  }

  async #read(): Promise<ProviderMetadata> {
    const { issuer, timeoutMs } = this.#options;
    let body: unknown;
    try {
      const response = await this.#options.fetch(discoveryUrl(issuer), {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
        cache: 'no-store',
      });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
      body = await response.json();
    } catch (error) {
      throw new BackendUnavailableError({ cause: error });
    }
    const parsed = metadataSchema.safeParse(body);
    if (!parsed.success) throw new BackendUnavailableError({ cause: new Error('discovery document is malformed') });
    // The document must name exactly the issuer we trust, or tokens from another issuer could pass (OIDC Discovery §4.3).
    if (parsed.data.issuer !== issuer) {
      throw new BackendUnavailableError({ cause: new Error(`discovery names issuer ${parsed.data.issuer}, expected ${issuer}`) });
    }
    this.#cached = { metadata: parsed.data, until: this.#options.now() + this.#options.maxAgeMs };
    return parsed.data;
  }
}
