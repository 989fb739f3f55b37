import type { ServiceContext } from '../context.js';
import type { ClientContext } from '../sessions/session-store.js';
import type { AccountFlow } from '../throttle/throttles.js';
import { rateLimited } from '../passwords/verify-credentials.js';

/**
 * Every self-service flow counts its requests per client address first (OWASP ASVS 5.0 §6.3.1, §6.4): a 429 here says
 * nothing about the address in the body, since the count is the caller's, whatever it asks about.
 */
export async function admitFlow(context: ServiceContext, flow: AccountFlow, client: ClientContext): Promise<void> {
  const verdict = await context.throttles.admitAccountFlow(flow, client.ip ?? 'unknown');
  if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
}
