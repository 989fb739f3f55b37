/**
 * Ids the API handed out (`id`, `requestId`, …), gathered from its answers, so later requests can name things that
 * exist. Values of the fuzzer's own accounts are protected: a fuzzed admin request must not disable or demote the very
 * accounts the rest of the run signs in as.
 */
export class ValuePool {
  private readonly values: string[] = [];
  private readonly seen = new Set<string>();
  private readonly protectedValues = new Set<string>();

  constructor(private readonly options: { readonly capacity: number } = { capacity: 200 }) {}

  protect(value: string): void {
    this.protectedValues.add(value);
  }

  /** Gathers the string values of id-like keys anywhere in a JSON answer. */
  harvest(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.harvest(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' && (key === 'id' || key.endsWith('Id'))) this.add(child);
      else this.harvest(child);
    }
  }

  private add(value: string): void {
    if (value.length === 0 || value.length > 128 || this.seen.has(value) || this.protectedValues.has(value) || this.values.length >= this.options.capacity) return;
    this.seen.add(value);
    this.values.push(value);
  }

  /** The `index`-th (modulo) gathered value that `fits`, in the order gathered; undefined when none fits. */
  pick(index: number, fits: (value: string) => boolean): string | undefined {
    const fitting = this.values.filter(fits);
    return fitting.length === 0 ? undefined : fitting[index % fitting.length];
  }
}
