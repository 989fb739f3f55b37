import type { AmrValue } from '@portcullis/contracts';
import type { PasskeyRow } from './passkey-store.js';

/**
 * How a passkey assertion proves the user (RFC 8176 §2): a key bound to its device (`hwk`) or a synced one (`swk`),
 * with the authenticator's user verification (`user`, a PIN or biometric) as a second factor beside possession, so
 * the assertion alone is multi-factor (`mfa`). After a password the sign-in adds `pwd`.
 */
export function passkeyAmr(deviceType: PasskeyRow['deviceType']): readonly AmrValue[] {
  return [deviceType === 'multiDevice' ? 'swk' : 'hwk', 'user', 'mfa'];
}
