import type { MfaMethod, MfaStatus } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import type { UserRow } from '../users/user-store.js';
import { RecoveryCodes } from './recovery-codes.js';
import { createSecretSealer, type SecretSealer } from './secret-sealer.js';
import { TotpFactors } from './totp-factors.js';

export interface MfaFactors {
  readonly totp: TotpFactors;
  readonly recoveryCodes: RecoveryCodes;
}

type FactorContext = Pick<ServiceContext, 'config' | 'clock' | 'logger' | 'database'>;

const built = new WeakMap<FactorContext, MfaFactors>();

/** The second-factor stores of a service context, built on first use (the sealing key is read or generated once). */
export function factorsOf(context: FactorContext): MfaFactors {
  let factors = built.get(context);
  if (factors === undefined) {
    let sealer: Promise<SecretSealer> | undefined;
    const sealerOnce = (): Promise<SecretSealer> => (sealer ??= createSecretSealer(context.config, context.logger));
    factors = {
      totp: new TotpFactors(context.database.db, context.clock, sealerOnce, context.config.webauthn.rpName),
      recoveryCodes: new RecoveryCodes(context.database.db, context.clock),
    };
    built.set(context, factors);
  }
  return factors;
}

type MethodContext = FactorContext & Pick<ServiceContext, 'passkeys'>;

/**
 * The second factors a user can finish a sign-in with, strongest first (passkey, TOTP, recovery code). Recovery codes
 * stand in for a factor, never for none: without a passkey or TOTP the list is empty.
 */
export async function methodsOf(context: MethodContext, userId: string): Promise<MfaMethod[]> {
  const factors = factorsOf(context);
  const [passkeys, totp, codesLeft] = await Promise.all([context.passkeys.countOf(userId), factors.totp.has(userId), factors.recoveryCodes.countLeft(userId)]);
  if (passkeys === 0 && !totp) return [];
  return [...(passkeys > 0 ? (['webauthn'] as const) : []), ...(totp ? (['totp'] as const) : []), ...(codesLeft > 0 ? (['recovery_code'] as const) : [])];
}

/** Whether a second factor is required of this user: their role is in MFA_REQUIRED_ROLES, or an admin required it. */
export function mfaRequiredOf(context: Pick<ServiceContext, 'config'>, user: UserRow): boolean {
  return user.mfaRequired || context.config.mfa.requiredRoles.has(user.role);
}

/** `GET /v1/me/mfa`. */
export async function mfaStatusOf(context: MethodContext, user: UserRow): Promise<MfaStatus> {
  const factors = factorsOf(context);
  const [passkeys, totp, recoveryCodesLeft] = await Promise.all([context.passkeys.countOf(user.id), factors.totp.has(user.id), factors.recoveryCodes.countLeft(user.id)]);
  return { totp, passkeys, recoveryCodesLeft, required: mfaRequiredOf(context, user) };
}
