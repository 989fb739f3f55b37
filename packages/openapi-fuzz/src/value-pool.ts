/**
 * Ids the API handed out (`id`, `requestId`, …), gathered from its answers, so later requests can name things that
 * exist. Each remembers the path that answered it: `/v1/users/{id}` is first given ids that came from `/v1/users…`. Values of the fuzzer's own accounts are protected: a fuzzed admin request must not disable or demote the very
 * accounts the rest of the run signs in as.
 */
export class ValuePool {
  private readonly values: Array<{ readonly value: string; readonly source: string }> = [];
  private readonly seen = new Set<string>();
  private readonly protectedValues = new Set<string>();

  constructor(private readonly options: { readonly capacity: number } = { capacity: 200 }) {}

  protect(value: string): void {
    this.protectedValues.add(value);
  }

  /** Gathers the string values of id-like keys anywhere in a JSON answer from the request path `source`. */
  harvest(value: unknown, source: string): void {
    if (Array.isArray(value)) {
      for (const item of value) this.harvest(item, source);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' && (key === 'id' || key.endsWith('Id'))) this.add(child, source);
      else this.harvest(child, source);
    }
  }

  private add(value: string, source: string): void {
    if (value.length === 0 || value.length > 128 || this.seen.has(value) || this.protectedValues.has(value) || this.values.length >= this.options.capacity) return;
    this.seen.add(value);
    this.values.push({ value, source });
  }

  /**
   * The `index`-th (modulo) gathered value that `fits`, in the order gathered, among those answered under `near` (the
   * path before the parameter) when there are any; undefined when none fits.
   */
  pick(index: number, fits: (value: string) => boolean, near: string): string | undefined {
    const fitting = this.values.filter((entry) => fits(entry.value));
    const related = fitting.filter((entry) => entry.source.startsWith(near));
    const candidates = related.length > 0 ? related : fitting;
    return candidates[index % candidates.length]?.value;
  }
}
