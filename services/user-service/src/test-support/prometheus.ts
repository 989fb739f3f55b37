/**
 * The value of one sample in Prometheus text exposition, or 0 when the series has not been written yet
 * (prom-client omits labelled counters until their first increment).
 */
export function sampleValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (wanted.every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return 0;
}
