import type { AmrValue, SecondFactorProof } from '@portcullis/contracts';
import { queueRecoveryCodeNotice } from '../accounts/security-notices.js';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import { rateLimited } from '../passwords/verify-credentials.js';
import type { ClientContext } from '../sessions/session-store.js';
import type { UserRow } from '../users/user-store.js';
import { factorsOf } from './mfa-factors.js';
import type { AssertionPurpose } from './passkey-ceremonies.js';

export function invalidMfa(): ApiError {
  // One answer for a wrong, replayed or foreign code: the caller learns nothing about which (OWASP ASVS 5.0 §6.3.8).
  return new ApiError('invalid_mfa', 'The code or passkey was not accepted. Try again, or use another method.');
}

type Method = 'totp' | 'recovery_code' | 'webauthn';

function methodOf(proof: SecondFactorProof): Method {
  if ('totp' in proof) return 'totp';
  if ('recoveryCode' in proof) return 'recovery_code';
  return 'webauthn';
}

export interface SecondFactorAttempt {
  readonly user: UserRow;
  readonly proof: SecondFactorProof;
  readonly client: ClientContext & { requestId?: string };
  /** `second_factor` for a sign-in's second step, `step_up` for a signed-in user proving themselves again. */
  readonly purpose: Extract<AssertionPurpose, 'second_factor' | 'step_up'>;
  /** What a passkey challenge must have been issued for: the pending sign-in's token hash, or the session id. */
  readonly boundTo: string;
  readonly sid?: string;
}

/**
 * Checks one proof of a second factor of `user` and spends it: a TOTP code (its step, once), a recovery code (once, its
 * owner mailed), or a passkey assertion (its challenge, once). Codes are throttled per account and per address before
 * they are checked; a refusal for load is no failure. Every verdict is audited (`mfa.succeeded` / `mfa.failed`).
 * Answers the factor's own methods (RFC 8176: `otp`, or the passkey's `hwk`/`swk` and `user`); throws `invalid_mfa`
 * or `rate_limited`.
 */
export async function verifySecondFactor(context: ServiceContext, attempt: SecondFactorAttempt): Promise<readonly AmrValue[]> {
  const { user, proof, client } = attempt;
  const method = methodOf(proof);
  const event = { userId: user.id, sid: attempt.sid ?? null, ...client } as const;
  const detail = { method, purpose: attempt.purpose };

  if ('webauthn' in proof) {
    try {
      const verified = await context.passkeys.verifyAssertion({ userId: user.id, purpose: attempt.purpose, boundTo: attempt.boundTo, response: proof.webauthn });
      if (verified.userId !== user.id) throw invalidMfa();
      await context.audit.record({ type: 'mfa.succeeded', ...event, detail });
      return verified.amr;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_mfa') await context.audit.record({ type: 'mfa.failed', ...event, reason: 'wrong_passkey', detail });
      throw error;
    }
  }

  const ip = client.ip ?? 'unknown';
  const verdict = await context.throttles.admitSecondFactor(user.id, ip);
  if (!verdict.allowed) {
    await context.audit.record({ type: 'mfa.failed', ...event, reason: 'throttled', detail });
    throw rateLimited(verdict.retryAfterSeconds);
  }
  let accepted: boolean;
  try {
    accepted = 'totp' in proof ? await spendTotp(context, user.id, proof.totp) : await spendRecoveryCode(context, user, proof.recoveryCode);
  } catch (error) {
    // No verdict (the database is away): the reservation is given back, as a refusal for load is never a failure.
    await context.throttles.releaseSecondFactor(user.id, ip);
    throw error;
  }
  if (!accepted) {
    // The reserved failure stays counted: that is what bounds guessing (docs/mfa.md, "Brute force bound").
    await context.audit.record({ type: 'mfa.failed', ...event, reason: method === 'totp' ? 'wrong_code' : 'wrong_recovery_code', detail });
    throw invalidMfa();
  }
  await context.throttles.recordSecondFactorSuccess(user.id, ip);
  await context.audit.record({ type: 'mfa.succeeded', ...event, detail });
  if (method === 'recovery_code') await context.audit.record({ type: 'mfa.recovery_code_used', ...event, detail: { purpose: attempt.purpose } });
  return ['otp'];
}

async function spendTotp(context: ServiceContext, userId: string, code: string): Promise<boolean> {
  const { totp } = factorsOf(context);
  const check = await totp.check(userId, code, 'confirmed');
  // RFC 6238 §5.2: the step is raised in one conditional update; a concurrent or later use of the same code loses.
  return check.kind === 'matched' && (await totp.spend(userId, check.step));
}

async function spendRecoveryCode(context: ServiceContext, user: UserRow, code: string): Promise<boolean> {
  const { recoveryCodes } = factorsOf(context);
  const spent = await context.database.db.transaction(async (tx) => {
    if (!(await recoveryCodes.spend(tx, user.id, code))) return false;
    // The notice commits with the spend, or neither does.
    await queueRecoveryCodeNotice(context, tx, { email: user.email, codesLeft: await recoveryCodes.countLeft(user.id, tx) });
    return true;
  });
  if (spent) context.mail.sender.kick();
  return spent;
}
