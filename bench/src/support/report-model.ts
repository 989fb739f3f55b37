import type { LoadResult } from './load.js';

/** One measured line of a scenario, with its ceiling when it has one. */
export interface Measurement {
  readonly label: string;
  readonly backend: 'pglite' | 'postgres';
  readonly load: LoadResult;
  readonly ceiling?: { readonly label: string; readonly load: LoadResult };
  /** Service req/s divided by ceiling req/s. */
  readonly ratio?: number;
  /** What the issue asks of this line, e.g. "≥ 80 % of ceiling"; `met` is our honest verdict. */
  readonly target?: { readonly text: string; readonly met: boolean };
}

/** Apps measured one after the other under the same load on the same backend (scenario 1): a column per app. */
export interface Comparison {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<{
    readonly label: string;
    readonly values: ReadonlyArray<string | number>;
    /** Drawn as bars, one per column, in the report's chart. */
    readonly charted?: boolean;
  }>;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly parameters: Readonly<Record<string, string | number>>;
  readonly measurements: Measurement[];
  /** Numbers that are not load runs (row counts, sizes, counts of outcomes). */
  readonly facts: Array<{ readonly label: string; readonly value: string | number; readonly backend?: string }>;
  readonly comparison?: Comparison;
  readonly notes: string[];
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly mode: 'full' | 'smoke';
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string; readonly platform: string; readonly memoryGiB: number };
  readonly backends: ReadonlyArray<'pglite' | 'postgres'>;
  readonly scenarios: ScenarioResult[];
}

/** How long each load run lasts and how hard it pushes: the full bench, or a seconds-long smoke run. */
export interface BenchProfile {
  readonly mode: 'full' | 'smoke';
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Service and ceiling runs alternate this many times; the best of each is kept (other tenants of the machine add noise, never speed). */
  readonly rounds: number;
  readonly connections: number;
  readonly loginConnections: number;
  readonly stormConnections: number;
  /** Connections of the login flood (scenario 6): wrong passwords and unknown emails, as fast as they are answered. */
  readonly floodConnections: number;
  /** Legitimate sign-ins per second beside the flood (scenario 6), spread over the demo users. */
  readonly legitimateLoginRate: number;
  readonly probeRate: number;
  readonly churnSessions: number;
  /** Caps every closed-loop run (req/s): a smoke run inside `npm test` must not starve the other test files. */
  readonly rateCap?: number;
}

export const FULL_PROFILE: BenchProfile = Object.freeze({
  mode: 'full',
  durationSeconds: 10,
  warmupSeconds: 2,
  rounds: 2,
  connections: 16,
  loginConnections: 8,
  stormConnections: 32,
  floodConnections: 200,
  legitimateLoginRate: 10,
  probeRate: 500,
  churnSessions: 100_000,
});

export const SMOKE_PROFILE: BenchProfile = Object.freeze({
  mode: 'smoke',
  durationSeconds: 1,
  warmupSeconds: 0,
  rounds: 1,
  connections: 4,
  loginConnections: 2,
  stormConnections: 4,
  floodConnections: 8,
  legitimateLoginRate: 6,
  probeRate: 100,
  churnSessions: 300,
  rateCap: 150,
});

/** Progress and results as they happen: the CLI prints them, the smoke test keeps quiet. */
export interface Reporter {
  step(text: string): void;
  progress(text: string, fraction: number): void;
  measured(scenario: string, measurement: Measurement): void;
  fact(scenario: string, label: string, value: string | number): void;
}

export const silentReporter: Reporter = { step: () => undefined, progress: () => undefined, measured: () => undefined, fact: () => undefined };
