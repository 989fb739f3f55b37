import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '@portcullis/contracts';
import { accountOf, principalOf } from '../http/access-control.js';
import { signedIn } from '../http/access-rule.js';
import { routeResponses } from '../http/route-responses.js';
import type { OpenIdScope } from '../tokens/access-token.js';
import type { UserRow } from '../users/user-store.js';
import { USERINFO_PATH } from './provider.js';

const IGNORED_BODY_LIMIT_BYTES = 8 * 1024;

/** What userinfo tells a relying party: `sub`, and the claims the granted scopes allow (OpenID Connect Core §5.4). */
const userinfoClaimsSchema = z.object({
  sub: z.string(),
  name: z.string().optional(),
  role: z.enum(ROLES).optional(),
  email: z.string().optional(),
});
type UserinfoClaims = z.infer<typeof userinfoClaimsSchema>;

// The provider's access tokens are granted `openid`; our API's own tokens never are (OpenID Connect Core §5.3).
const USERINFO_READER = signedIn({ scope: 'openid' });

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
export async function registerUserinfoRoute(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    // GET or POST (Core §5.3.1); the token comes only in the Authorization header (RFC 6750 §2.1), so a body is
    // read up to a small limit and ignored.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: IGNORED_BODY_LIMIT_BYTES }, (_request, _body, done) => done(null, undefined));

    scope.withTypeProvider<ZodTypeProvider>().route({
      method: ['GET', 'POST'],
      url: USERINFO_PATH,
      config: { access: USERINFO_READER },
      // Described by the provider's discovery document (userinfo_endpoint), not duplicated in ours.
      schema: { hide: true, response: routeResponses(USERINFO_READER, { 200: userinfoClaimsSchema }, { method: 'POST' }) },
      handler: async (request, reply) => {
        // Personal data: never kept by a cache on the way (OpenID Connect Core §5.3.2 answers are per token).
        return reply.header('cache-control', 'no-store').send(userinfoClaims(accountOf(request), principalOf(request).openIdScopes));
      },
    });
  });
}
