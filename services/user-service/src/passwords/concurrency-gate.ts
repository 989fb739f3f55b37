/**
 * Caps how many expensive jobs run at once and how many may wait. argon2 and jose's async crypto share libuv's
 * thread pool, so unbounded hashing starves token checks (shared/REFERENCE.md); beyond the queue we refuse at once.
 * Waiting jobs sit in lanes, each with a queue of its own, listed highest priority first: a freed slot always goes
 * to the first lane with a job waiting, so a full low lane neither delays nor refuses a higher one.
 */
export class ConcurrencyGate<Lane extends string> {
  #active = 0;
  readonly #concurrency: number;
  readonly #lanes: ReadonlyArray<{ readonly name: Lane; readonly queue: number; readonly waiting: Array<() => void> }>;

  constructor(options: { readonly concurrency: number; readonly lanes: ReadonlyArray<{ readonly name: Lane; readonly queue: number }> }) {
    if (options.lanes.length === 0) throw new RangeError('a concurrency gate needs at least one lane');
    this.#concurrency = options.concurrency;
    this.#lanes = options.lanes.map((lane) => ({ name: lane.name, queue: lane.queue, waiting: [] }));
  }

  get active(): number {
    return this.#active;
  }

  /** Jobs waiting in one lane, or in all of them. */
  waiting(lane?: Lane): number {
    return this.#lanes.filter((entry) => lane === undefined || entry.name === lane).reduce((sum, entry) => sum + entry.waiting.length, 0);
  }

  /** Whether a job in `lane` would run or wait now rather than be refused, so a caller can refuse before any other work. */
  hasRoomFor(lane: Lane): boolean {
    return this.#active < this.#concurrency || this.#lane(lane).waiting.length < this.#lane(lane).queue;
  }

  /** Runs `job` when a slot is free; returns `null` at once when its lane's queue is full. */
  async run<T>(job: () => Promise<T>, options: { readonly lane: Lane }): Promise<{ value: T } | null> {
    if (this.#active >= this.#concurrency) {
      const lane = this.#lane(options.lane);
      if (lane.waiting.length >= lane.queue) return null;
      await new Promise<void>((resolve) => lane.waiting.push(resolve));
    } else {
      this.#active += 1;
    }
    try {
      return { value: await job() };
    } finally {
      const next = this.#lanes.find((lane) => lane.waiting.length > 0)?.waiting.shift();
      // Hand the slot straight to the next waiter so the count never dips and lets a newcomer jump the queue.
      if (next !== undefined) next();
      else this.#active -= 1;
    }
  }

  #lane(name: Lane): { readonly queue: number; readonly waiting: Array<() => void> } {
    const lane = this.#lanes.find((entry) => entry.name === name);
    if (lane === undefined) throw new RangeError(`unknown lane ${name}`);
    return lane;
  }
}
