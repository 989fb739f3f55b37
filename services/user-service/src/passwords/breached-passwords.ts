import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/** What a range API said of a password: seen in a breach, not seen, or nothing in time (then the password is judged without it). */
type BreachedVerdict = 'breached' | 'not_breached' | 'unknown';

/** Asks a breached-password service about one password. */
export type BreachedPasswordCheck = (password: string) => Promise<BreachedVerdict>;

/**
 * A Have-I-Been-Pwned-compatible range API (OWASP ASVS 5.0 §6.2.12): only the first five hex digits of the password's
 * SHA-1 leave the process (k-anonymity); the service answers every `SUFFIX:COUNT` it knows under that prefix and the
 * match happens here. `Add-Padding` asks for decoy rows (count 0) so the answer's size says nothing about the prefix.
 * A slow or failing service never blocks the user: the verdict is `unknown`, a warning is logged and counted.
 */
export function createBreachedPasswordCheck(options: { apiBase: string; timeoutMs: number; logger: Logger; metrics: Metrics }): BreachedPasswordCheck {
  const { apiBase, timeoutMs, logger, metrics } = options;
  const rangeUrl = apiBase.replace(/\/+$/, '');
  return async (password) => {
    // SHA-1 is what the range API indexes by; it identifies, it does not protect (the hash never leaves whole).
    const digest = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = digest.slice(0, 5);
    const suffix = digest.slice(5);
    try {
      const response = await fetch(`${rangeUrl}/range/${prefix}`, { headers: { 'add-padding': 'true' }, signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new BreachedPasswordServiceError(`answered HTTP ${response.status}`);
      const verdict = findSuffix(await response.text(), suffix);
      metrics.breachedPasswordChecks.inc({ outcome: verdict });
      return verdict;
    } catch (error) {
      metrics.breachedPasswordChecks.inc({ outcome: 'unknown' });
      // The error's kind only: the URL would carry the prefix, which belongs to no log.
      logger.warn({ reason: describeFailure(error) }, 'breached-password service gave no answer in time; the password was judged without it');
      return 'unknown';
    }
  };
}

class BreachedPasswordServiceError extends Error {
  override readonly name = 'BreachedPasswordServiceError';
}

function findSuffix(body: string, suffix: string): BreachedVerdict {
  for (const line of body.split('\n')) {
    const [candidate, count] = line.trim().split(':');
    // Padding rows carry a count of 0: they are decoys, not breaches.
    if (candidate?.toUpperCase() === suffix) return Number(count) > 0 ? 'breached' : 'not_breached';
  }
  return 'not_breached';
}

function describeFailure(error: unknown): string {
  if (error instanceof BreachedPasswordServiceError) return error.message;
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.name;
  return 'unknown error';
}
