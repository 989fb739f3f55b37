import type { CredentialsConfig } from 'next-auth/providers/credentials';
import { credentialsSchema } from '@portcullis/contracts';
import type { User } from 'next-auth';
import type { ClientInfoReader } from '../backend/client-info.js';
import type { UserServiceClient } from '../backend/user-service-client.js';
import { BackendRejectedError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { AuthMetrics } from '../metrics/auth-metrics.js';
import { sessionTokenFromResponse, type RefreshScheduleOptions, type SessionToken } from '../tokens/session-token.js';
import { signInErrorParam } from './sign-in-errors.js';

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
}

/**
 * A NextAuth credentials provider backed by `POST /v1/auth/login`. Built as a plain `CredentialsConfig`
 * (the same object `next-auth/providers/credentials` returns) so it works both bundled and under plain Node.
 */
export function credentialsProvider(options: CredentialsProviderOptions): CredentialsConfig {
  const { backend, logger, metrics } = options;
  return {
    id: 'credentials',
    name: 'Portcullis',
    type: 'credentials',
    credentials: {
      email: { label: 'Email', type: 'email' },
      password: { label: 'Password', type: 'password' },
    },
    async authorize(credentials, request) {
      const parsed = credentialsSchema.safeParse(credentials);
      // `null` makes NextAuth answer `CredentialsSignin`: malformed input reads like a wrong password.
      if (!parsed.success) return null;
      const client = options.clientInfo.from(request.headers ?? {});
      try {
        const tokens = await backend.login(parsed.data, client);
        const user: SignedInUser = {
          id: tokens.user.id,
          name: tokens.user.name,
          email: tokens.user.email,
          portcullis: sessionTokenFromResponse(tokens, options.now(), options.schedule),
        };
        logger.info({ event: 'login.succeeded', userId: user.id, sid: user.portcullis.sid, ip: client.ip }, 'signed in');
        metrics?.authEvent({ event: 'signin', outcome: 'succeeded' });
        return user;
      } catch (error) {
        // Only fixed codes leave this function: a thrown message ends up in the redirect URL.
        if (error instanceof BackendRejectedError) {
          logger.warn({ event: 'login.refused', reason: error.backendCode, ip: client.ip }, 'sign-in refused');
          metrics?.authEvent({ event: 'signin', outcome: signInOutcome(error.backendCode) });
          if (error.backendCode === 'rate_limited') {
            throw new Error(signInErrorParam({ code: 'rate_limited', retryAfterSeconds: error.retryAfterSeconds ?? 60 }));
          }
          if (error.backendCode === 'invalid_credentials' || error.backendCode === 'invalid_request') return null;
          // Said only after the password matched (the service checks it first), so it reveals nothing to a guesser.
          if (error.backendCode === 'email_unverified') throw new Error(signInErrorParam({ code: 'email_unverified' }));
          throw new Error(signInErrorParam({ code: 'failed' }));
        }
        logger.error({ event: 'login.unavailable', ip: client.ip, error }, 'sign-in failed: user-service unavailable');
        metrics?.authEvent({ event: 'signin', outcome: 'unavailable' });
        throw new Error(signInErrorParam({ code: 'unavailable' }));
      }
    },
  };
}

function signInOutcome(code: BackendRejectedError['backendCode']): 'invalid_credentials' | 'rate_limited' | 'refused' {
  if (code === 'invalid_credentials' || code === 'invalid_request') return 'invalid_credentials';
  return code === 'rate_limited' ? 'rate_limited' : 'refused';
}
