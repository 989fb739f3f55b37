import { Secret, TOTP } from 'otpauth';
import { factorsOf } from '../mfa/mfa-factors.js';
import type { TestAccount } from './accounts.js';
import type { TestInstance } from './harness.js';

/** The code an authenticator app shows for `secret` at the instance's (manual) time, or `offsetSteps` steps away. */
export function totpCode(instance: TestInstance, secret: string, offsetSteps = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: instance.clock.now() + offsetSteps * 30_000 });
}

/** Gives an account a confirmed TOTP factor straight through the store (the HTTP enrolment has tests of its own). */
export async function enrolTotpDirectly(instance: TestInstance, account: TestAccount): Promise<string> {
  const { totp } = factorsOf(instance.context);
  const begun = await totp.begin(account);
  if (begun === null) throw new Error(`${account.email} already has a TOTP factor`);
  const check = await totp.check(account.id, totpCode(instance, begun.secret), 'pending');
  if (check.kind !== 'matched' || !(await totp.confirm(account.id, check.step))) throw new Error('the TOTP enrolment was not confirmed');
  // The next code the test computes must be of a later step than the one the confirmation spent.
  instance.clock.advance(30_000);
  return begun.secret;
}

/** Signs in with the password and answers the login answer's JSON (tokens, or the mfaToken of the next step). */
export async function passwordStep(instance: TestInstance, account: TestAccount, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await instance.request('/v1/auth/login', { method: 'POST', json: { email: account.email, password: account.password }, headers });
  if (response.status !== 200) throw new Error(`password step of ${account.email} failed with ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}
