import { AMR_VALUES, type AmrValue, type MfaMethod, type SecondFactorProof } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import type { ClientContext } from '../sessions/session-store.js';
import type { UserRow } from '../users/user-store.js';
import { methodsOf, mfaRequiredOf } from './mfa-factors.js';
import type { PendingSignInRow } from './pending-sign-ins.js';
import { invalidMfa, verifySecondFactor } from './second-factor.js';

/**
 * What a right password leads to. No session, access token or refresh token exists before the last factor (OWASP ASVS
 * 5.0 §6.3.1): `complete` for a user with no factor and none required; otherwise an `mfaToken` for the second step, or
 * for enrolling a first factor when one is required (MFA_REQUIRED_ROLES or the user's own requirement, ASVS 5.0 §6.3.3).
 */
export type AfterPassword =
  | { readonly kind: 'complete'; readonly amr: readonly AmrValue[] }
  | { readonly kind: 'second_factor'; readonly mfaToken: string; readonly methods: readonly MfaMethod[]; readonly expiresAt: number }
  | { readonly kind: 'enrollment'; readonly mfaToken: string; readonly expiresAt: number };

/** A finished sign-in: the user and how they were proven (RFC 8176), for the session to carry. */
export interface ProvenSignIn {
  readonly user: UserRow;
  readonly amr: readonly AmrValue[];
}

type Client = ClientContext & { requestId?: string };

const PASSWORD_ONLY: readonly AmrValue[] = ['pwd'];

/** The union of methods in RFC 8176's order, with `mfa` when more than one factor was proven. */
function combinedAmr(...parts: ReadonlyArray<readonly string[]>): AmrValue[] {
  const seen = new Set(parts.flat());
  const factors = parts.filter((part) => part.length > 0).length;
  return AMR_VALUES.filter((value) => seen.has(value) || (value === 'mfa' && factors > 1));
}

/** The next step after a right password (the API's sign-in and the OpenID Provider's page alike). */
export async function afterPassword(context: ServiceContext, user: UserRow, client: Client): Promise<AfterPassword> {
  const methods = await methodsOf(context, user.id);
  if (methods.length > 0) {
    const { mfaToken, expiresAt } = await context.pendingSignIns.start({ userId: user.id, stage: 'second_factor', amr: PASSWORD_ONLY, client });
    return { kind: 'second_factor', mfaToken, methods, expiresAt };
  }
  if (mfaRequiredOf(context, user)) {
    const { mfaToken, expiresAt } = await context.pendingSignIns.start({ userId: user.id, stage: 'enrollment', amr: PASSWORD_ONLY, client });
    return { kind: 'enrollment', mfaToken, expiresAt };
  }
  return { kind: 'complete', amr: PASSWORD_ONLY };
}

/**
 * The pending sign-in of an mfaToken at the given stage, presented by the client that started it, with its user still
 * enabled; null otherwise (unknown, spent, expired, another client's, another stage).
 */
export async function pendingSignInOf(
  context: ServiceContext,
  mfaToken: string,
  stage: PendingSignInRow['stage'],
  client: Client,
): Promise<{ pending: PendingSignInRow; user: UserRow } | null> {
  const pending = await context.pendingSignIns.find(mfaToken, client);
  if (pending?.stage !== stage) return null;
  const user = await context.users.findById(pending.userId);
  if (user === null || user.disabled) return null;
  return { pending, user };
}

/**
 * The second step: one proof of a second factor for the pending sign-in of `mfaToken`. The factor is checked (and
 * spent) first, then the mfaToken is spent by one conditional update; a wrong code leaves the token usable until its
 * ttl, the failure counted by the throttle. Throws `invalid_mfa` (401) or `rate_limited` (429).
 */
export async function finishWithFactor(context: ServiceContext, input: { mfaToken: string; proof: SecondFactorProof; client: Client }): Promise<ProvenSignIn> {
  const { mfaToken, proof, client } = input;
  const found = await pendingSignInOf(context, mfaToken, 'second_factor', client);
  if (found === null) {
    await context.audit.record({ type: 'mfa.failed', ...client, reason: 'unknown_mfa_token', detail: { purpose: 'second_factor' } });
    throw invalidMfa();
  }
  const { pending, user } = found;
  const factorAmr = await verifySecondFactor(context, { user, proof, client, purpose: 'second_factor', boundTo: pending.tokenHash });
  // Spent only now: of two right answers raced with one token, one gets the session.
  if ((await context.pendingSignIns.spend(mfaToken, client)) === null) throw invalidMfa();
  return { user, amr: combinedAmr(pending.amr, factorAmr) };
}

/**
 * The enrolment of a first factor through an mfaToken (stage `enrollment`) was confirmed: the token is spent and the
 * sign-in is finished with both factors. Null when the token was spent or expired meanwhile.
 */
export async function finishEnrollment(
  context: ServiceContext,
  input: { mfaToken: string; factorAmr: readonly AmrValue[]; client: Client },
): Promise<ProvenSignIn | null> {
  const spent = await context.pendingSignIns.spend(input.mfaToken, input.client);
  if (spent?.stage !== 'enrollment') return null;
  const user = await context.users.findById(spent.userId);
  if (user === null || user.disabled) return null;
  return { user, amr: combinedAmr(spent.amr, input.factorAmr) };
}
