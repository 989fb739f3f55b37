import type { User } from 'next-auth';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import { custom, type BaseClient } from 'openid-client';
import type { Logger } from '../logging/logger.js';
import type { AuthMetrics } from '../metrics/auth-metrics.js';
import type { SignedInUser } from '../nextauth/credentials-provider.js';
import type { OidcConfig } from '../options.js';
import { discoveryUrl } from './discovery.js';
import { OIDC_PROVIDER_ID } from './provider-id.js';
import { acceptedSigningAlgorithms } from './signing-algorithms.js';
import { idTokenClaimsSchema, sessionTokenFromTokenSet, type OidcSessionOptions } from './oidc-session.js';
import { tokenSetSchema } from './token-endpoint.js';

export interface OidcProviderOptions {
  oidc: OidcConfig;
  session: OidcSessionOptions;
  now: () => number;
  logger: Logger;
  metrics?: Pick<AuthMetrics, 'authEvent'>;
}

/**
 * NextAuth v4's OAuth provider against our OpenID Provider. next-auth runs the flow with openid-client v5, which
 * checks `state`, the PKCE verifier and the ID token (signature against the provider's JWKS, `iss`, `aud`,
 * `nonce`, `exp`, and the RFC 9207 `iss` response parameter), so none of that is written by hand here.
 */
export function oidcProvider(options: OidcProviderOptions): OAuthConfig<Record<string, unknown>> {
  const { oidc, logger, metrics } = options;
  return {
    id: OIDC_PROVIDER_ID,
    name: 'Portcullis single sign-on',
    type: 'oauth',
    wellKnown: discoveryUrl(oidc.issuer),
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    // RFC 9700 §2.1.1 and §4.5.3: PKCE (S256) against code injection, state against CSRF, nonce against ID token replay.
    checks: ['pkce', 'state', 'nonce'],
    idToken: true,
    client: {
      token_endpoint_auth_method: 'client_secret_basic',
    },
    authorization: {
      params: {
        // offline_access: a refresh token, so the app refreshes like in credentials mode. No `prompt` parameter:
        // the provider drops offline_access when `prompt` lacks `consent` (OpenID Connect Core §11).
        scope: ['openid', 'profile', 'email', 'offline_access', ...oidc.scopes].join(' '),
        // RFC 8707: access tokens for our API, JWTs the user-service's bearer verification accepts.
        resource: oidc.resource,
      },
    },
    token: {
      // The same code exchange openid-client would make (all its checks), with the resource indicator added and the
      // ID token's algorithm pinned to what the provider advertises.
      async request({ client, params, checks, provider }) {
        const tokens = await pinnedToAdvertisedAlgorithm(client).callback(provider.callbackUrl, params, checks, { exchangeBody: { resource: oidc.resource } });
        return { tokens };
      },
    },
    profile(claims, tokens): User {
      const profile = idTokenClaimsSchema.parse(claims);
      // openid-client turned `expires_in` into `expires_at` on receipt; its getter gives the lifetime back.
      const tokenSet = tokenSetSchema.parse({ ...tokens, expires_in: tokens.expires_in ?? secondsLeft(tokens.expires_at) });
      const user: SignedInUser = {
        id: profile.sub,
        name: profile.name,
        email: profile.email,
        portcullis: sessionTokenFromTokenSet(tokenSet, { receivedAt: options.now(), profile }, options.session),
      };
      logger.info({ event: 'login.succeeded', via: 'oidc', userId: user.id, sid: user.portcullis.sid }, 'signed in through single sign-on');
      metrics?.authEvent({ event: 'signin', outcome: 'succeeded' });
      return user;
    },
  };
}

/**
 * next-auth's client for this sign-in, expecting the ID token to be signed with the first asymmetric algorithm the
 * provider advertises in the discovery document next-auth has just read: pinned, never taken from the token header
 * (RFC 8725 §3.1), and following the provider's `SIGNING_ALG` without configuration in the app.
 */
function pinnedToAdvertisedAlgorithm(client: BaseClient): BaseClient {
  const [alg] = acceptedSigningAlgorithms(client.issuer.metadata.id_token_signing_alg_values_supported);
  const pinned = new client.issuer.Client({ ...client.metadata, id_token_signed_response_alg: alg });
  pinned[custom.clock_tolerance] = client[custom.clock_tolerance];
  return pinned;
}

function secondsLeft(expiresAt: unknown): number | undefined {
  return typeof expiresAt === 'number' ? Math.max(0, expiresAt - Math.floor(Date.now() / 1000)) : undefined;
}
