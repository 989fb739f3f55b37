import type { UserServiceClient } from '../backend/user-service-client.js';
import type { ClientInfo, ClientInfoReader } from '../backend/client-info.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';

export type StepUp = (input: { accessToken: string; password: string }) => Promise<{ stepUpAt: number }>;

/**
 * RFC 9470 step-up: the signed-in user re-enters their password and the backend records the check on the session;
 * admin actions then go through for `STEP_UP_MAX_AGE`. Called server-side with the user's own access token (from
 * `protectedAction`), never from the browser. Throttled like sign-in; throws `InvalidCredentialsError` or
 * `RateLimitedError`.
 */
export function createStepUp(parts: { backend: UserServiceClient; context: RequestContext; logger: Logger; clientInfo: ClientInfoReader }): StepUp {
  return async function stepUp({ accessToken, password }) {
    const client: ClientInfo = parts.clientInfo.of(await parts.context.headers());
    const result = await parts.backend.stepUp(accessToken, password, client);
    parts.logger.info({ event: 'auth.step_up', ip: client.ip }, 'password confirmed (step-up)');
    return result;
  };
}
