import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { insufficientScope } from '../errors.js';
import { authenticateUser } from '../http/authenticate.js';
import type { OpenIdScope } from '../tokens/access-token.js';
import type { UserRow } from '../users/user-store.js';
import { USERINFO_PATH } from './provider.js';

const IGNORED_BODY_LIMIT_BYTES = 8 * 1024;

/** What userinfo tells a relying party: `sub`, and the claims the granted scopes allow (OpenID Connect Core §5.4). */
interface UserinfoClaims {
  sub: string;
  name?: string;
  role?: Role;
  email?: string;
}

/**
 * The same claims per scope as the provider puts into the ID token. No `email_verified`: we never verify addresses,
 * so we do not claim they are.
 */
function userinfoClaims(user: UserRow, scopes: readonly OpenIdScope[]): UserinfoClaims {
  return {
    sub: user.id,
    ...(scopes.includes('profile') ? { name: user.name, role: user.role } : {}),
    ...(scopes.includes('email') ? { email: user.email } : {}),
  };
}

/**
 * The userinfo endpoint the provider advertises (OpenID Connect Core §5.3), for the access tokens it issues: JWTs for
 * our API, verified like every bearer token of ours (signature, `iss`, `aud`, `typ`, `exp`, the session still active),
 * and granted `openid`. Refusals are RFC 6750 §3 ones, with `WWW-Authenticate: Bearer`.
 */
export async function registerUserinfoRoute(app: FastifyInstance, context: ServiceContext): Promise<void> {
  await app.register(async (scope) => {
    // GET or POST (Core §5.3.1); the token comes only in the Authorization header (RFC 6750 §2.1), so a body is
    // read up to a small limit and ignored.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: IGNORED_BODY_LIMIT_BYTES }, (_request, _body, done) => done(null, undefined));

    scope.route({
      method: ['GET', 'POST'],
      url: USERINFO_PATH,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const { principal, user } = await authenticateUser(context, request);
        if (!principal.openIdScopes.includes('openid')) throw insufficientScope('openid');
        // Personal data: never kept by a cache on the way (OpenID Connect Core §5.3.2 answers are per token).
        return reply.header('cache-control', 'no-store').send(userinfoClaims(user, principal.openIdScopes));
      },
    });
  });
}
