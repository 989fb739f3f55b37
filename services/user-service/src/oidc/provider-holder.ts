import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { ServiceContext } from '../context.js';
import { createOidcProvider, generatedCookieKeys } from './provider.js';
import type { SessionLinks } from './session-links.js';

type Callback = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * The provider instance for the current signing key. The provider's keystore is fixed when it is built, so after a key
 * rotation (`npm run keys -- rotate`, seen by every instance within the key store's reload period) the next request
 * builds a new provider: new tokens are signed with the new key, and the retired key stays in its JWKS as long as it
 * stays in ours. All provider state lives in the database, so nothing is lost by the swap.
 */
export class OidcProviderHolder {
  readonly #cookieKeys: readonly string[];
  #current: { kid: string; provider: Provider; callback: Callback } | undefined;

  constructor(
    private readonly context: ServiceContext,
    private readonly links: SessionLinks,
  ) {
    this.#cookieKeys = context.config.oidc.cookieKeys ?? generatedCookieKeys();
  }

  /** The provider signing with the current key, rebuilt when the key changed (building it is synchronous). */
  async current(): Promise<{ provider: Provider; callback: Callback }> {
    const keys = await this.context.keys.providerKeys();
    if (this.#current?.kid !== keys.activeKid) {
      const provider = createOidcProvider({ context: this.context, links: this.links, keys, cookieKeys: this.#cookieKeys });
      this.#current = { kid: keys.activeKid, provider, callback: provider.callback() as Callback };
    }
    return this.#current;
  }
}
