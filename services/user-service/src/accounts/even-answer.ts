import { setTimeout as delay } from 'node:timers/promises';

/**
 * How long the answers that must not tell whether an address has an account take at least (OWASP ASVS 5.0 §6.3.8: no
 * enumeration by timing). Every branch already does the same lookups, throttle calls and audit write; what still
 * differs (a token and a mail written, or not) is a millisecond or two, which this floor hides. Wall time, not the
 * service clock: it is what a caller measures.
 */
export const EVEN_ANSWER_MS = { lookup: 120, signup: 300 } as const;

/** Started when a request's work starts; `settle()` waits until the floor has passed since then. */
export interface EvenAnswer {
  settle(): Promise<void>;
}

export function evenAnswer(floorMs: number): EvenAnswer {
  const startedAt = performance.now();
  return {
    async settle() {
      const left = startedAt + floorMs - performance.now();
      if (left > 0) await delay(left);
    },
  };
}
