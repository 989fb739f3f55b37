import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { ClientContext } from '../sessions/session-store.js';
import type { UserRow } from '../users/user-store.js';
import { methodsOf } from './mfa-factors.js';
import { verifySecondFactor } from './second-factor.js';

/**
 * The approver of the popup proves themselves as at step-up: after their password, their second factor when they have
 * one (OWASP ASVS 5.0 §6.3.3: the password alone never stands in for a factor the user enrolled). A TOTP or recovery
 * code is checked, spent and throttled like any other; an approver without a factor needs none.
 */
export async function requireApproverFactor(
  context: ServiceContext,
  approval: { approver: UserRow; totp?: string | undefined; recoveryCode?: string | undefined; requestId: string; client: ClientContext & { requestId?: string } },
): Promise<void> {
  const { approver, totp, recoveryCode, client } = approval;
  if ((await methodsOf(context, approver.id)).length === 0) return;
  const proof = totp !== undefined ? { totp } : recoveryCode !== undefined ? { recoveryCode } : null;
  if (proof === null) {
    await context.audit.record({ type: 'mfa.failed', userId: approver.id, ...client, reason: 'password_only', detail: { purpose: 'approval' } });
    throw new ApiError('mfa_required', 'Enter the code of your authenticator app (or a recovery code) with your password to approve.');
  }
  await verifySecondFactor(context, { user: approver, proof, client, purpose: 'step_up', boundTo: approval.requestId });
}
