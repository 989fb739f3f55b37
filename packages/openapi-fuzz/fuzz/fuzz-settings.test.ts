import { describe, expect, it } from 'vitest';
import { fuzzSettings, FuzzSettingsError, replayCommands } from './fuzz-settings.js';

describe('fuzz settings', () => {
  it('defaults to 300 cases per operation within 240 s, on a random seed', () => {
    const settings = fuzzSettings({});

    expect(settings).toMatchObject({ runs: 300, timeLimitMs: 240_000, operations: [], requestTimeoutMs: 10_000 });
    expect(Number.isInteger(settings.seed)).toBe(true);
  });

  it('takes the seed, the bounds and the operations from the environment', () => {
    const settings = fuzzSettings({ FUZZ_SEED: '-42', FUZZ_RUNS: '20', FUZZ_TIME_LIMIT: '30', FUZZ_OPERATIONS: 'GET /v1/me, PATCH /v1/users/{id}' });

    expect(settings).toMatchObject({ seed: -42, runs: 20, timeLimitMs: 30_000, operations: ['GET /v1/me', 'PATCH /v1/users/{id}'] });
  });

  it('names the variable that is wrong', () => {
    expect(() => fuzzSettings({ FUZZ_RUNS: 'many' })).toThrow(FuzzSettingsError);
    expect(() => fuzzSettings({ FUZZ_RUNS: 'many' })).toThrow(/FUZZ_RUNS/);
  });

  it('prints the commands that replay the run and the one operation', () => {
    const settings = fuzzSettings({ FUZZ_SEED: '7', FUZZ_RUNS: '50' });

    expect(replayCommands(settings, 'GET /v1/me')).toBe(
      "FUZZ_SEED=7 FUZZ_RUNS=50 npm run test:fuzz   (this operation alone: FUZZ_SEED=7 FUZZ_RUNS=50 FUZZ_OPERATIONS='GET /v1/me' npm run test:fuzz)",
    );
  });
});
