import type { AmrValue, AuthenticationResponse } from '@portcullis/contracts';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { ClientContext } from '../sessions/session-store.js';

/** Why a passkey assertion is asked for; a challenge issued for one purpose never serves another. */
export type AssertionPurpose = 'second_factor' | 'step_up' | 'passkey_sign_in';

/** Why an assertion was refused, as `mfa.failed` records it. */
export type PasskeyRefusal = 'challenge_invalid' | 'credential_unknown' | 'credential_of_another_user' | 'verification_failed' | 'counter_regressed';

/** The client of a ceremony, for its audit events. */
export type CeremonyClient = ClientContext & { readonly requestId?: string };

/**
 * The passkey ceremonies the sign-in flow and step-up rely on (WebAuthn Level 3); registration and the owner's list
 * are WebAuthnPasskeys' own, for the passkey routes. Challenges are
 * single use, valid at most MFA_TOKEN_TTL, and bound to `boundTo` (a session id, a pending sign-in's token hash, or the
 * hash of a browser's ceremony value).
 */
export interface PasskeyCeremonies {
  /** How many passkeys the user has. */
  countOf(userId: string): Promise<number>;
  /** Request options for `userId`'s passkeys, or for any discoverable one when `userId` is null (passwordless). */
  requestOptions(input: { userId: string | null; purpose: AssertionPurpose; boundTo: string }): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /**
   * Verifies an assertion against a challenge issued for this purpose and binding (spending it), the credential's user
   * (`userId` when given), origin, RP ID, user verification and counter. Throws `invalid_mfa` on any doubt, having
   * audited the refusal (`mfa.failed` with a PasskeyRefusal reason): callers do not record it again.
   */
  verifyAssertion(input: {
    userId: string | null;
    purpose: AssertionPurpose;
    boundTo: string;
    response: AuthenticationResponse;
    client?: CeremonyClient;
  }): Promise<{ userId: string; amr: readonly AmrValue[] }>;
}
