/**
 * Caps how many expensive jobs run at once and how many may wait. argon2 and jose's async crypto share libuv's
 * thread pool, so unbounded hashing starves token checks (shared/REFERENCE.md); beyond the queue we refuse at once.
 */
export class ConcurrencyGate {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    private readonly limits: { readonly concurrency: number; readonly queue: number },
  ) {}

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `job` when a slot is free; returns `null` at once when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<{ value: T } | null> {
    if (this.#active >= this.limits.concurrency) {
      if (this.#waiting.length >= this.limits.queue) return null;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active += 1;
    }
    try {
      return { value: await job() };
    } finally {
      const next = this.#waiting.shift();
      // Hand the slot straight to the next waiter so the count never dips and lets a newcomer jump the queue.
      if (next !== undefined) next();
      else this.#active -= 1;
    }
  }
}
