import type { FastifyRequest } from 'fastify';
import type { ClientContext } from '../sessions/session-store.js';
import { withoutUnsafeCharacters } from './unsafe-characters.js';

/**
 * The browser's address as decided once per request (`registerClientAddress`: an app instance's word only with its
 * credential), its user agent, and the request id, so audit lines can be joined with the request's other log lines
 * (and the web app's).
 */
export function clientContext(request: FastifyRequest): ClientContext & { requestId: string } {
  const userAgent = request.headers['user-agent'];
  return { ip: request.clientAddress || null, userAgent: typeof userAgent === 'string' ? withoutUnsafeCharacters(userAgent).slice(0, 512) : null, requestId: request.id };
}
