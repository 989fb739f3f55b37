import autocannon from 'autocannon';

/** What one load run measured; latencies in milliseconds. */
export interface LoadResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Caps the total request rate (req/s); unset means "as fast as it answers". */
  readonly overallRate?: number;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Dynamic requests: return the body for the next request and remember what it needs in `context`. */
  readonly setupRequest?: (context: Record<string, unknown>) => { body?: string; headers?: Record<string, string> };
  readonly onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  /** Called when the run has stopped (answers still in flight are lost). */
  readonly onEnd?: () => void;
  /** Called about once a second with the elapsed fraction, for progress output. */
  readonly onTick?: (fraction: number) => void;
}

/** Runs autocannon against one URL and returns rates and latency percentiles. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  let failure: unknown;
  const request: autocannon.Request = {
    method: options.method ?? 'GET',
    ...(options.setupRequest === undefined
      ? {}
      : {
          setupRequest: (base: autocannon.Request, context: object) => {
            let next: { body?: string; headers?: Record<string, string> } = {};
            try {
              next = options.setupRequest?.(context as Record<string, unknown>) ?? {};
            } catch (error) {
              // Thrown inside autocannon it would crash the process: stop the run and fail it instead.
              failure ??= error;
              queueMicrotask(() => instance.stop());
            }
            return { ...base, ...(next.body === undefined ? {} : { body: next.body }), headers: { ...base.headers, ...next.headers } };
          },
        }),
    ...(options.onResponse === undefined
      ? {}
      : { onResponse: (status: number, body: string, context: object) => options.onResponse?.(status, body, context as Record<string, unknown>) }),
  };
  let settle: (outcome: { error: unknown; result?: autocannon.Result }) => void = () => undefined;
  const finished = new Promise<{ error: unknown; result?: autocannon.Result }>((resolve) => (settle = resolve));
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.durationSeconds,
      ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
      method: options.method ?? 'GET',
      headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
      requests: [request],
      timeout: 30,
    },
    (error: unknown, result: autocannon.Result) => settle({ error, result }),
  );
  const started = Date.now();
  instance.on('response', (_client: autocannon.Client, statusCode: number) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const ticker = setInterval(() => options.onTick?.(Math.min(1, (Date.now() - started) / (options.durationSeconds * 1000))), 1000);
  try {
    const { error, result } = await finished;
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
    if (result === undefined) throw error instanceof Error ? error : new Error('autocannon failed');
    const durationSeconds = (Date.now() - started) / 1000;
    return {
      requests: result.requests.total,
      durationSeconds,
      rps: result.requests.total / Math.max(0.001, result.duration),
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      statuses,
    };
  } finally {
    clearInterval(ticker);
    options.onEnd?.();
  }
}
