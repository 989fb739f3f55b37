import type { FastifyRequest } from 'fastify';
import type { ClientContext } from '../sessions/session-store.js';

/** The caller's address (from `X-Forwarded-For` only when the socket is a trusted proxy) and user agent. */
export function clientContext(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null };
}
