import { secondFactorProofSchema, type SecondFactorProof } from '@portcullis/contracts';
import type { UserServiceClient } from '../backend/user-service-client.js';
import type { ClientInfo, ClientInfoReader } from '../backend/client-info.js';
import { InvalidInputError } from '../errors.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';

/** What proves the user again: the password, or one second factor (a TOTP code, a recovery code, a passkey assertion). */
export type StepUpProof = { password: string } | SecondFactorProof;

export type StepUp = (input: { accessToken: string } & StepUpProof) => Promise<{ stepUpAt: number }>;

/**
 * RFC 9470 step-up: the signed-in user proves themselves again and the backend records it on the session; admin actions
 * then go through for `STEP_UP_MAX_AGE`. A user with a second factor must use it: the service refuses the password alone
 * (`MfaRequiredError`), since a stolen password must not unlock what the factor protects (OWASP ASVS 5.0 §6.3.3). Called
 * server-side with the user's own access token (from `protectedAction`), never from the browser. Throttled like
 * sign-in; throws `InvalidCredentialsError`, `InvalidMfaError`, `MfaRequiredError` or `RateLimitedError`.
 */
export function createStepUp(parts: { backend: UserServiceClient; context: RequestContext; logger: Logger; clientInfo: ClientInfoReader }): StepUp {
  return async function stepUp(input) {
    const { accessToken, ...proof } = input;
    const client: ClientInfo = parts.clientInfo.of(await parts.context.headers());
    const result = await parts.backend.stepUp(accessToken, checkedProof(proof), client);
    parts.logger.info({ event: 'auth.step_up', method: methodOf(proof), ip: client.ip }, 'identity confirmed (step-up)');
    return result;
  };
}

/** Exactly one proof, in the wire's shape; anything else never reaches the service. */
function checkedProof(proof: StepUpProof): StepUpProof {
  if ('password' in proof && typeof proof.password === 'string' && Object.keys(proof).length === 1) return { password: proof.password };
  const parsed = secondFactorProofSchema.safeParse(proof);
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues.map((issue) => issue.path.join('.') || '(input)'));
  return parsed.data;
}

/** The method for the log line: never the code itself. */
function methodOf(proof: StepUpProof): 'password' | 'totp' | 'recovery_code' | 'webauthn' {
  if ('password' in proof) return 'password';
  if ('totp' in proof) return 'totp';
  return 'recoveryCode' in proof ? 'recovery_code' : 'webauthn';
}
