import { randomBytes } from 'node:crypto';
import type { TokenResponse } from '@portcullis/contracts';
import { BENCH_DEMO_PASSWORD } from './processes.js';

export const ALICE = 'alice@example.com';

/**
 * A client address from the IPv6 documentation range, sent as X-Forwarded-For to a service that trusts loopback. The
 * 32 random bits sit in the /64 prefix: the service counts an IPv6 client per /64, so each address is a client of its own.
 */
export function randomAddress(): string {
  const hex = randomBytes(4).toString('hex');
  return `2001:db8:${hex.slice(0, 4)}:${hex.slice(4)}::1`;
}

class BenchError extends Error {
  override readonly name = 'BenchError';
}

/** Signs in through the API; benchmarks need real sessions made the way clients make them. */
export async function login(baseUrl: string, email = ALICE, password = BENCH_DEMO_PASSWORD, options: { address?: string } = {}): Promise<TokenResponse> {
  const response = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.address === undefined ? {} : { 'x-forwarded-for': options.address }) },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new BenchError(`login of ${email} failed with ${response.status}: ${await response.text()}`);
  return (await response.json()) as TokenResponse;
}

/**
 * A pool of refresh tokens, one per session, so every request of a load run is a real rotation: a request takes a
 * session's current token and puts its successor back when the answer arrives, so no two requests ever present tokens
 * of one session at once. When a run stops, the answers still in flight are lost and those sessions' state unknown:
 * `endRun()` drops them, which is why a pool needs `connections` spare sessions per run (see `sessionsNeeded`).
 */
export function refreshTokenPool(tokens: readonly string[]): {
  setupRequest: (context: Record<string, unknown>) => { body: string };
  onResponse: (status: number, body: string, context: Record<string, unknown>) => void;
  endRun(): void;
  readonly size: number;
} {
  const free = [...tokens];
  const inFlight = new Set<string>();
  const refusals: string[] = [];
  return {
    setupRequest(context) {
      const token = free.shift();
      if (token === undefined) throw new BenchError(`refresh-token pool is empty; last refusals: ${refusals.join(' | ') || 'none'}`);
      inFlight.add(token);
      context.token = token;
      return { body: JSON.stringify({ refreshToken: token }) };
    },
    onResponse(status, body, context) {
      const token = typeof context.token === 'string' ? context.token : undefined;
      if (token === undefined || !inFlight.delete(token)) return;
      if (status === 200) {
        free.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
        return;
      }
      refusals.push(`${status} ${body.slice(0, 120)}`);
      if (refusals.length > 5) refusals.shift();
      // A refused token is dead; a server error leaves it as it was.
      if (status >= 500) free.push(token);
    },
    endRun() {
      inFlight.clear();
    },
    get size() {
      return free.length;
    },
  };
}

/** Sessions a pool needs for `runs` load runs of `connections` each (each run may strand one token per connection). */
export function sessionsNeeded(connections: number, runs: number): number {
  return connections * (runs + 1) + 8;
}
