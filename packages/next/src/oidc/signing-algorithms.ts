import { z } from 'zod';
import { BackendUnavailableError } from '../errors.js';

/**
 * The JWS algorithms the library ever verifies a provider's token with: asymmetric ones only, so a public key can
 * never be used as an HMAC secret and an unsigned token (`none`) never passes (RFC 8725 §3.1, §3.2).
 * RSASSA-PKCS1-v1_5 (RS*) stays out: our provider signs with EdDSA or ES256, and refusing is the default.
 */
const ASYMMETRIC_SIGNING_ALGORITHMS: readonly string[] = Object.freeze(['EdDSA', 'Ed25519', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512']);

/**
 * The algorithms the provider's ID tokens (and its logout tokens, signed like them: Back-Channel Logout 1.0 §2.4)
 * may use: those it advertises in `id_token_signing_alg_values_supported` (OpenID Connect Discovery 1.0 §3), in its
 * order, that are also asymmetric. Never the token header's choice (RFC 8725 §3.1).
 */
export function acceptedSigningAlgorithms(advertised: unknown): string[] {
  const listed = z.array(z.string()).catch([]).parse(advertised);
  const accepted = listed.filter((alg) => ASYMMETRIC_SIGNING_ALGORITHMS.includes(alg));
  // Nothing the provider signs could be trusted: a misconfigured provider, so an outage rather than a bad token.
  if (accepted.length === 0) throw new BackendUnavailableError({ cause: new Error(`the provider advertises no accepted signing algorithm: ${listed.join(', ')}`) });
  return accepted;
}
