import type { AmrValue, AuthenticationResponse } from '@portcullis/contracts';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { ApiError } from '../errors.js';

/** Why a passkey assertion is asked for; a challenge issued for one purpose never serves another. */
export type AssertionPurpose = 'second_factor' | 'step_up' | 'passkey_sign_in';

/**
 * The passkey ceremonies the sign-in flow and step-up rely on (WebAuthn Level 3). Challenges are single use, valid at
 * most MFA_TOKEN_TTL, and bound to `boundTo` (a session id, a pending sign-in, or a browser's ceremony binding).
 */
export interface PasskeyCeremonies {
  /** How many passkeys the user has. */
  countOf(userId: string): Promise<number>;
  /** Request options for `userId`'s passkeys, or for any discoverable one when `userId` is null (passwordless). */
  requestOptions(input: { userId: string | null; purpose: AssertionPurpose; boundTo: string }): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /**
   * Verifies an assertion against a challenge issued for this purpose and binding (spending it), the credential's user
   * (`userId` when given), origin, RP ID, user verification and counter. Throws `invalid_mfa` on any doubt.
   */
  verifyAssertion(input: {
    userId: string | null;
    purpose: AssertionPurpose;
    boundTo: string;
    response: AuthenticationResponse;
  }): Promise<{ userId: string; amr: readonly AmrValue[] }>;
}

/** Until passkeys are wired: nobody has one, and every assertion is refused. */
export const noPasskeys: PasskeyCeremonies = {
  countOf: () => Promise.resolve(0),
  requestOptions: () => Promise.reject(new ApiError('invalid_mfa', 'No passkey can be used here.')),
  verifyAssertion: () => Promise.reject(new ApiError('invalid_mfa', 'No passkey can be used here.')),
};
