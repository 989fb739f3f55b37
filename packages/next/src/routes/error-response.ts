import { isPortcullisError } from '../errors.js';
import type { Logger } from '../logging/logger.js';

/** Maps a failure to its JSON answer: typed errors by their code and status, anything else a bare 500. */
export function errorResponse(error: unknown, logger: Logger): Response {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (isPortcullisError(error)) {
    if (error.code === 'backend_unavailable') headers['retry-after'] = '5';
    return Response.json(error.toJSON(), { status: error.status, headers });
  }
  logger.error({ event: 'route.unexpected_error', error }, 'unexpected error in a route handler');
  return Response.json({ error: 'internal_error', message: 'Something went wrong.' }, { status: 500, headers });
}
