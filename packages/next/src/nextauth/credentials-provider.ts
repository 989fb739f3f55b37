import type { CredentialsConfig } from 'next-auth/providers/credentials';
import { authenticationResponseSchema, credentialsSchema, secondFactorProofSchema, type SecondFactorProof, type TokenResponse } from '@portcullis/contracts';
import type { User } from 'next-auth';
import type { ClientInfo, ClientInfoReader } from '../backend/client-info.js';
import type { UserServiceClient } from '../backend/user-service-client.js';
import { BackendRejectedError, InvalidMfaError, MfaRequiredError, RateLimitedError, UnauthenticatedError } from '../errors.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';
import type { AuthMetrics } from '../metrics/auth-metrics.js';
import type { MfaCookies, PendingMfa } from '../mfa/mfa-cookies.js';
import { sessionTokenFromResponse, type RefreshScheduleOptions, type SessionToken } from '../tokens/session-token.js';
import { signInErrorParam, type SignInProblem } from './sign-in-errors.js';

/** What `authorize()` hands to the `jwt` callback: NextAuth's `User` plus the backend session. */
export interface SignedInUser extends User {
  id: string;
  portcullis: SessionToken;
}

export interface CredentialsProviderOptions {
  backend: UserServiceClient;
  schedule: RefreshScheduleOptions;
  now: () => number;
  logger: Logger;
  clientInfo: ClientInfoReader;
  metrics?: Pick<AuthMetrics, 'authEvent'>;
  /** Where the pending sign-in's cookie is set and cleared (Next's `cookies()` in the route handler). */
  context: RequestContext;
  mfaCookies: MfaCookies;
}

type AuthorizeRequest = Parameters<CredentialsConfig['authorize']>[1];

/** A sign-in step that failed with a fixed code: the only kind of message that may leave `authorize()`. */
class SignInRefusal extends Error {
  /** The password was right and the sign-in goes on with a second factor: not a failure to count as one. */
  readonly owesSecondFactor: boolean;
  constructor(problem: SignInProblem) {
    super(signInErrorParam(problem));
    this.owesSecondFactor = problem.code === 'mfa_required' || problem.code === 'enrollment_required';
  }
}

/**
 * A NextAuth credentials provider backed by the user-service's sign-in, in up to two steps (OWASP ASVS 5.0 §6.3.1: no
 * session before every factor is proven):
 * 1. `{email, password}` → `POST /v1/auth/login`. A user with a second factor gets no token there, only an `mfaToken`:
 *    it goes into a sealed httpOnly `__Host-` cookie (`MfaCookies`) and the sign-in fails with `MfaRequired:<methods>`
 *    (or `EnrollmentRequired`), so NextAuth sets no session cookie.
 * 2. `{totp}` | `{recoveryCode}` | `{webauthn: JSON}` → `POST /v1/auth/login/mfa` with the cookie's `mfaToken`; success
 *    clears the cookie and signs in, a wrong factor keeps it (`InvalidMfa`) so the user may try again.
 * Or passwordless: `{passkey: JSON}` → `POST /v1/auth/passkey`, bound to the ceremony cookie the options route set.
 * Built as a plain `CredentialsConfig` (the same object `next-auth/providers/credentials` returns) so it works both
 * bundled and under plain Node.
 */
export function credentialsProvider(options: CredentialsProviderOptions): CredentialsConfig {
  const { backend, logger, metrics, context, mfaCookies } = options;

  function signedIn(tokens: TokenResponse, client: ClientInfo, how: 'password' | 'second_factor' | 'passkey'): SignedInUser {
    const user: SignedInUser = {
      id: tokens.user.id,
      name: tokens.user.name,
      email: tokens.user.email,
      portcullis: sessionTokenFromResponse(tokens, options.now(), options.schedule),
    };
    logger.info({ event: 'login.succeeded', how, userId: user.id, sid: user.portcullis.sid, ip: client.ip }, 'signed in');
    metrics?.authEvent({ event: 'signin', outcome: 'succeeded' });
    return user;
  }

  async function passwordStep(credentials: Record<string, unknown>, client: ClientInfo): Promise<SignedInUser | null> {
    const parsed = credentialsSchema.safeParse(credentials);
    // `null` makes NextAuth answer `CredentialsSignin`: malformed input reads like a wrong password.
    if (!parsed.success) return null;
    const answer = await backend.login(parsed.data, client);
    if ('accessToken' in answer) return signedIn(answer, client, 'password');
    const pending: PendingMfa =
      'mfaRequired' in answer
        ? { mfaToken: answer.mfaToken, stage: 'second_factor', methods: answer.methods }
        : { mfaToken: answer.mfaToken, stage: 'enrollment', methods: [] };
    const cookie = await mfaCookies.pendingMfaCookie(pending);
    await context.setCookie(cookie.name, cookie.value, cookie.attributes);
    logger.info({ event: 'login.second_factor_owed', stage: pending.stage, ip: client.ip }, 'password accepted; a second factor is owed');
    throw new SignInRefusal(pending.stage === 'second_factor' ? { code: 'mfa_required', methods: pending.methods } : { code: 'enrollment_required' });
  }

  async function secondFactorStep(proof: SecondFactorProof, request: AuthorizeRequest, client: ClientInfo): Promise<SignedInUser> {
    const pending = await mfaCookies.pendingMfaOf(cookieHeaderOf(request));
    if (pending === null) throw new SignInRefusal({ code: 'mfa_expired' });
    if (pending.stage === 'enrollment') throw new SignInRefusal({ code: 'enrollment_required' });
    let tokens: TokenResponse;
    try {
      tokens = await backend.loginWithSecondFactor({ mfaToken: pending.mfaToken, ...proof }, client);
    } catch (error) {
      // A wrong code keeps the pending sign-in (the service throttles guesses); a dead one is cleared.
      if (error instanceof BackendRejectedError && error.backendCode !== 'invalid_mfa' && error.backendCode !== 'rate_limited') await clearPending();
      throw error;
    }
    // Spent at the service: the cookie is worth nothing now, so it goes at once.
    await clearPending();
    return signedIn(tokens, client, 'second_factor');
  }

  async function passkeyStep(response: unknown, request: AuthorizeRequest, client: ClientInfo): Promise<SignedInUser> {
    const ceremony = await mfaCookies.ceremonyOf(cookieHeaderOf(request));
    if (ceremony === null) throw new SignInRefusal({ code: 'mfa_expired' });
    const parsed = authenticationResponseSchema.safeParse(response);
    if (!parsed.success) throw new InvalidMfaError();
    try {
      return signedIn(await backend.passkeySignIn({ response: parsed.data, ceremony: ceremony.ceremony }, client), client, 'passkey');
    } finally {
      // The ceremony's challenge is single use at the service, whatever the outcome (WebAuthn L3 §13.4.3).
      await context.expireCookie(mfaCookies.ceremonyName, mfaCookies.attributes);
    }
  }

  async function clearPending(): Promise<void> {
    await context.expireCookie(mfaCookies.pendingMfaName, mfaCookies.attributes);
  }

  return {
    id: 'credentials',
    name: 'Portcullis',
    type: 'credentials',
    credentials: {
      email: { label: 'Email', type: 'email' },
      password: { label: 'Password', type: 'password' },
      totp: { label: 'Code from your authenticator app', type: 'text' },
      recoveryCode: { label: 'Recovery code', type: 'text' },
      webauthn: { label: 'Passkey (second factor)', type: 'hidden' },
      passkey: { label: 'Passkey', type: 'hidden' },
    },
    async authorize(credentials, request) {
      const client = options.clientInfo.from(request.headers ?? {});
      const fields = credentials ?? {};
      try {
        if (typeof fields.passkey === 'string' && fields.passkey.length > 0) return await passkeyStep(jsonOf(fields.passkey), request, client);
        const proof = secondFactorOf(fields);
        if (proof !== undefined) {
          if (proof === null) throw new InvalidMfaError();
          return await secondFactorStep(proof, request, client);
        }
        return await passwordStep(fields, client);
      } catch (error) {
        return refused(error, client);
      }
    },
  };

  function refused(error: unknown, client: ClientInfo): null {
    // Only fixed codes leave this function: a thrown message ends up in the redirect URL.
    if (error instanceof SignInRefusal) {
      metrics?.authEvent({ event: 'signin', outcome: error.owesSecondFactor ? 'second_factor_owed' : 'refused' });
      throw error;
    }
    if (error instanceof InvalidMfaError || (error instanceof BackendRejectedError && error.backendCode === 'invalid_mfa')) {
      logger.warn({ event: 'login.second_factor_refused', ip: client.ip }, 'second factor refused');
      metrics?.authEvent({ event: 'signin', outcome: 'invalid_second_factor' });
      throw new SignInRefusal({ code: 'invalid_mfa' });
    }
    if (error instanceof RateLimitedError) {
      metrics?.authEvent({ event: 'signin', outcome: 'rate_limited' });
      throw new SignInRefusal({ code: 'rate_limited', retryAfterSeconds: error.retryAfterSeconds });
    }
    if (error instanceof MfaRequiredError || error instanceof UnauthenticatedError) throw new SignInRefusal({ code: 'mfa_expired' });
    if (error instanceof BackendRejectedError) {
      logger.warn({ event: 'login.refused', reason: error.backendCode, ip: client.ip }, 'sign-in refused');
      metrics?.authEvent({ event: 'signin', outcome: signInOutcome(error.backendCode) });
      if (error.backendCode === 'rate_limited') throw new SignInRefusal({ code: 'rate_limited', retryAfterSeconds: error.retryAfterSeconds ?? 60 });
      if (error.backendCode === 'invalid_credentials' || error.backendCode === 'invalid_request') return null;
      // Said only after the password matched (the service checks it first), so it reveals nothing to a guesser.
      if (error.backendCode === 'email_unverified') throw new SignInRefusal({ code: 'email_unverified' });
      // The pending sign-in is unknown, spent or expired at the service: start again with the password.
      if (error.backendCode === 'invalid_token' || error.backendCode === 'mfa_required') throw new SignInRefusal({ code: 'mfa_expired' });
      throw new SignInRefusal({ code: 'failed' });
    }
    logger.error({ event: 'login.unavailable', ip: client.ip, error }, 'sign-in failed: user-service unavailable');
    metrics?.authEvent({ event: 'signin', outcome: 'unavailable' });
    throw new SignInRefusal({ code: 'unavailable' });
  }
}

/**
 * The second factor among the submitted fields: `undefined` when there is none (a password step), `null` when one is
 * there but malformed (a wrong code, never a password attempt).
 */
function secondFactorOf(fields: Record<string, unknown>): SecondFactorProof | null | undefined {
  const present = (name: string): string | undefined => (typeof fields[name] === 'string' && fields[name].length > 0 ? fields[name] : undefined);
  const totp = present('totp');
  const recoveryCode = present('recoveryCode');
  const webauthn = present('webauthn');
  if (totp === undefined && recoveryCode === undefined && webauthn === undefined) return undefined;
  const candidate =
    totp !== undefined ? { totp: totp.replace(/\s/g, '') } : recoveryCode !== undefined ? { recoveryCode: recoveryCode.trim() } : { webauthn: jsonOf(webauthn ?? '') };
  const parsed = secondFactorProofSchema.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}

/** A browser-sent JSON field (a WebAuthn response), or `null` when it is not JSON. */
function jsonOf(text: string): unknown {
  if (text.length > 16_384) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function cookieHeaderOf(request: AuthorizeRequest): string | undefined {
  const value: unknown = request.headers?.cookie;
  return typeof value === 'string' ? value : undefined;
}

function signInOutcome(code: BackendRejectedError['backendCode']): 'invalid_credentials' | 'rate_limited' | 'refused' {
  if (code === 'invalid_credentials' || code === 'invalid_request') return 'invalid_credentials';
  return code === 'rate_limited' ? 'rate_limited' : 'refused';
}
