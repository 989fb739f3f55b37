import type { FastifyRequest } from 'fastify';
import type { ServiceContext } from '../context.js';
import { insufficientScope, invalidToken } from '../errors.js';
import { authenticateUser, requireRecentAuthentication } from '../http/authenticate.js';
import { clientContext } from '../http/client.js';
import type { Principal } from '../tokens/access-token.js';
import type { UserRow } from '../users/user-store.js';
import type { PendingSignInRow } from './pending-sign-ins.js';
import { pendingSignInOf } from './sign-in-flow.js';

const MFA_PREFIX = 'MFA ';

/**
 * Who is enrolling a factor: a signed-in user (their session), or a user half-way through a sign-in that requires a
 * first factor (`Authorization: MFA <mfaToken>`, stage `enrollment`), who has no session yet and gets one only when the
 * factor is confirmed.
 */
export type EnrollingCaller =
  | { readonly kind: 'session'; readonly user: UserRow; readonly principal: Principal }
  | { readonly kind: 'enrollment'; readonly user: UserRow; readonly mfaToken: string; readonly pending: PendingSignInRow };

/**
 * The caller of an enrolment call. A session must have proven itself recently (RFC 9470), as any change of factors
 * asks; an enrolment mfaToken is itself a password proven at most MFA_TOKEN_TTL ago. An mfaToken is accepted only as
 * `MFA`, only at stage `enrollment`, and only from the client that started it: never as a bearer token, never for a
 * user who owes a second factor rather than an enrolment. Throws `invalid_token` (401).
 */
export async function enrollingCaller(context: ServiceContext, request: FastifyRequest): Promise<EnrollingCaller> {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith(MFA_PREFIX)) {
    const mfaToken = header.slice(MFA_PREFIX.length);
    const found = await pendingSignInOf(context, mfaToken, 'enrollment', clientContext(request));
    if (found === null) throw invalidToken('mfa token unknown, spent, expired, of another client or stage');
    return { kind: 'enrollment', user: found.user, mfaToken, pending: found.pending };
  }
  const { principal, user } = await authenticateUser(context, request);
  // The scope of every change to the caller's own credentials: a token granted less (the provider's) changes nothing.
  if (!principal.scopes.includes('sessions:manage')) throw insufficientScope('sessions:manage');
  await requireRecentAuthentication(context, principal);
  return { kind: 'session', user, principal };
}
