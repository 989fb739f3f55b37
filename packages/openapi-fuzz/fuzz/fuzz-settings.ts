import { randomInt } from 'node:crypto';
import { z } from 'zod';

/** How long and how hard the fuzz runs, from the environment; every knob has a default fit for CI (≤ 5 minutes). */
export interface FuzzSettings {
  /** Replays a run: the same seed generates the same cases for every operation. */
  readonly seed: number;
  /** Cases per operation. */
  readonly runs: number;
  /** The whole fuzz, in ms, shared among the operations. */
  readonly timeLimitMs: number;
  /** Only these operations (`METHOD /path`), or all when empty. */
  readonly operations: readonly string[];
  readonly requestTimeoutMs: number;
}

const environment = z.object({
  FUZZ_SEED: z.coerce
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1)
    .optional(),
  FUZZ_RUNS: z.coerce.number().int().positive().max(100_000).default(300),
  FUZZ_TIME_LIMIT: z.coerce.number().positive().max(3600).default(240),
  FUZZ_OPERATIONS: z.string().optional(),
  FUZZ_REQUEST_TIMEOUT: z.coerce.number().int().positive().default(10_000),
});

export class FuzzSettingsError extends Error {
  override readonly name = 'FuzzSettingsError';
}

export function fuzzSettings(source: Readonly<Record<string, string | undefined>>): FuzzSettings {
  const defined = Object.fromEntries(Object.entries(source).filter(([name, value]) => name.startsWith('FUZZ_') && value !== undefined && value !== ''));
  const parsed = environment.safeParse(defined);
  if (!parsed.success) {
    throw new FuzzSettingsError(`Invalid fuzz settings:\n${parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n')}`);
  }
  const env = parsed.data;
  return {
    seed: env.FUZZ_SEED ?? randomInt(2 ** 31 - 1),
    runs: env.FUZZ_RUNS,
    timeLimitMs: env.FUZZ_TIME_LIMIT * 1000,
    operations: (env.FUZZ_OPERATIONS ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id.length > 0),
    requestTimeoutMs: env.FUZZ_REQUEST_TIMEOUT,
  };
}

/** The command that replays a finding: the whole run, or the one operation alone (faster, though earlier operations' state is missing). */
export function replayCommands(settings: FuzzSettings, operationId: string): string {
  const replay = `FUZZ_SEED=${settings.seed} FUZZ_RUNS=${settings.runs}`;
  return `${replay} npm run test:fuzz   (this operation alone: ${replay} FUZZ_OPERATIONS='${operationId}' npm run test:fuzz)`;
}
