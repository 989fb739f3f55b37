import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Options } from '@node-rs/argon2';

/**
 * The worker's code, inline so it runs the same from the compiled service and from the test runner's TypeScript.
 * It lowers its own thread's scheduling priority (Linux nice values are per thread: `setPriority(0, …)` touches only
 * the calling thread), then hashes synchronously on that thread.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { setPriority } = require('node:os');
const argon2 = require(workerData.argon2);
try { setPriority(0, workerData.nice); } catch { /* not permitted here: hash at normal priority */ }
parentPort.on('message', (job) => {
  try {
    const value = job.op === 'hash' ? argon2.hashSync(job.password, job.options) : argon2.verifySync(job.stored, job.password);
    parentPort.postMessage({ id: job.id, value });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: error instanceof Error ? error.message : 'argon2 failed' });
  }
});
`;

type Job = { op: 'hash'; password: string; options: Options } | { op: 'verify'; stored: string; password: string };
type Answer = { id: number; value?: string | boolean; error?: string };

class HashingThreadError extends Error {
  override readonly name = 'HashingThreadError';
}

/**
 * Password hashing on threads of its own, at a lower CPU priority than everything else in the process (docs/benchmarks.md,
 * scenario 3). argon2id is deliberately CPU-heavy; on libuv's pool it competes on equal terms with the event loop,
 * PostgreSQL and token checks, and a login storm then multiplies their latency. Niced, it takes only the CPU nobody
 * else wants: logins slow down under load, token checks do not. The caller bounds concurrency (one job per thread).
 */
export class HashingThreads {
  readonly #idle: Worker[] = [];
  readonly #pending = new Map<number, { resolve: (value: string | boolean) => void; reject: (error: Error) => void; worker: Worker }>();
  readonly #argon2 = createRequire(import.meta.url).resolve('@node-rs/argon2');
  #sequence = 0;
  #closed = false;

  constructor(private readonly options: { nice: number }) {}

  hash(password: string, options: Options): Promise<string> {
    return this.#run({ op: 'hash', password, options }) as Promise<string>;
  }

  verify(stored: string, password: string): Promise<boolean> {
    return this.#run({ op: 'verify', stored, password }) as Promise<boolean>;
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { argon2: this.#argon2, nice: this.options.nice } });
    // Idle hashing threads never keep the process alive.
    worker.unref();
    const fail = (error: Error): void => {
      for (const [id, job] of this.#pending) {
        if (job.worker !== worker) continue;
        this.#pending.delete(id);
        job.reject(error);
      }
      const index = this.#idle.indexOf(worker);
      if (index >= 0) this.#idle.splice(index, 1);
    };
    worker.on('message', (answer: Answer) => {
      const job = this.#pending.get(answer.id);
      if (job === undefined) return;
      this.#pending.delete(answer.id);
      worker.unref();
      if (!this.#closed) this.#idle.push(worker);
      if (answer.error !== undefined || answer.value === undefined) job.reject(new HashingThreadError(answer.error ?? 'no answer'));
      else job.resolve(answer.value);
    });
    worker.on('error', fail);
    worker.on('exit', () => fail(new HashingThreadError('hashing thread stopped')));
    return worker;
  }

  #run(job: Job): Promise<string | boolean> {
    if (this.#closed) return Promise.reject(new HashingThreadError('password hashing is closed'));
    const worker = this.#idle.pop() ?? this.#spawn();
    // A job in flight keeps the process alive until it is answered.
    worker.ref();
    const id = (this.#sequence += 1);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker });
      worker.postMessage({ id, ...job });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const workers = [...this.#idle, ...new Set([...this.#pending.values()].map((job) => job.worker))];
    this.#idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
