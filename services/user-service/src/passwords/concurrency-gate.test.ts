import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from './concurrency-gate.js';

/** A job that runs until the test says so, and tells when it started. */
function heldJob(name: string, started: string[]): { job: () => Promise<string>; finish(): void } {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    job: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

/** Lets every promise callback that is ready run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
}

function gate(): ConcurrencyGate<'known' | 'fresh' | 'failing'> {
  return new ConcurrencyGate({
    concurrency: 1,
    lanes: [
      { name: 'known', queue: 2 },
      { name: 'fresh', queue: 2 },
      { name: 'failing', queue: 0 },
    ],
  });
}

describe('concurrency gate with lanes', () => {
  it('runs one job at a time, queues each lane up to its own limit and refuses beyond it at once', async () => {
    const lanes = gate();
    const started: string[] = [];
    const running = heldJob('first', started);
    const first = lanes.run(running.job, { lane: 'fresh' });
    const waiting = [heldJob('fresh 1', started), heldJob('fresh 2', started)];
    const queued = waiting.map((held) => lanes.run(held.job, { lane: 'fresh' }));

    expect(await lanes.run(async () => 'too many', { lane: 'fresh' })).toBeNull();
    expect(lanes.hasRoomFor('fresh')).toBe(false);
    // A full lower lane leaves the higher lane's queue untouched.
    expect(lanes.hasRoomFor('known')).toBe(true);
    expect(lanes.waiting('fresh')).toBe(2);

    running.finish();
    for (const held of waiting) held.finish();
    expect(await first).toEqual({ value: 'first' });
    expect(await Promise.all(queued)).toEqual([{ value: 'fresh 1' }, { value: 'fresh 2' }]);
    expect(lanes.active).toBe(0);
  });

  it('hands a freed slot to the highest lane waiting, even to a job that came later', async () => {
    const lanes = gate();
    const started: string[] = [];
    const running = heldJob('running', started);
    const jobs = { fresh: heldJob('fresh', started), known: heldJob('known', started) };
    const runs = [lanes.run(running.job, { lane: 'fresh' }), lanes.run(jobs.fresh.job, { lane: 'fresh' }), lanes.run(jobs.known.job, { lane: 'known' })];
    await settle();
    expect(started).toEqual(['running']);

    running.finish();
    await settle();
    expect(started).toEqual(['running', 'known']);

    jobs.known.finish();
    await settle();
    expect(started).toEqual(['running', 'known', 'fresh']);
    jobs.fresh.finish();
    await Promise.all(runs);
  });

  it('runs a job of a lane without a queue only when a slot is free right now', async () => {
    const lanes = gate();
    const started: string[] = [];
    expect(lanes.hasRoomFor('failing')).toBe(true);
    const held = heldJob('failing', started);
    const running = lanes.run(held.job, { lane: 'failing' });

    expect(lanes.hasRoomFor('failing')).toBe(false);
    expect(await lanes.run(async () => 'refused', { lane: 'failing' })).toBeNull();

    held.finish();
    expect(await running).toEqual({ value: 'failing' });
    expect(await lanes.run(async () => 'now it runs', { lane: 'failing' })).toEqual({ value: 'now it runs' });
  });

  it('frees the slot when a job fails', async () => {
    const lanes = gate();
    await expect(lanes.run(() => Promise.reject(new Error('hash failed')), { lane: 'known' })).rejects.toThrow('hash failed');
    expect(lanes.active).toBe(0);
    expect(await lanes.run(async () => 'next', { lane: 'failing' })).toEqual({ value: 'next' });
  });
});
