import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createLogger, createServiceContext, loadConfig, SessionPruner, systemClock, type ServiceContext } from '@portcullis/user-service';
import { createDatabase, type BenchDatabase } from '../support/databases.js';
import { runLoad, type LoadResult } from '../support/load.js';
import { startUserService, UNTHROTTLED } from '../support/processes.js';
import type { BenchProfile, Reporter, ScenarioResult } from '../support/report-model.js';
import { login, refreshTokenPool, sessionsNeeded } from '../support/tokens.js';

const STORAGE_ID = '5';
const DAY = 86_400_000;

interface Sizes {
  readonly sessions: number;
  readonly refreshTokens: number;
  readonly tableBytes: number;
  readonly databaseBytes: number;
}

/** The service's storage as the service itself opens it (through its public entry point), for bulk SQL and sizes. */
type Database = ServiceContext['database'];

async function openStorage(target: BenchDatabase): Promise<ServiceContext> {
  const config = loadConfig({ ...target.env, NODE_ENV: 'test' });
  return createServiceContext(config, { clock: systemClock, logger: createLogger({ level: 'silent' }) });
}

function rows<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

async function directoryBytes(path: string, depth = 0): Promise<number> {
  if (depth > 20) return 0;
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? await directoryBytes(full, depth + 1) : (await stat(full)).size;
  }
  return total;
}

async function measureSizes(database: Database, target: BenchDatabase): Promise<Sizes> {
  const [counts] = rows<{ sessions: string; tokens: string; bytes: string; db: string }>(
    await database.db.execute(sql`select
      (select count(*) from sessions)::text as sessions,
      (select count(*) from refresh_tokens)::text as tokens,
      (pg_total_relation_size('sessions') + pg_total_relation_size('refresh_tokens'))::text as bytes,
      pg_database_size(current_database())::text as db`),
  );
  const databaseBytes = target.target.kind === 'pglite' ? await directoryBytes(target.target.dataDir) : Number(counts?.db ?? 0);
  return { sessions: Number(counts?.sessions ?? 0), refreshTokens: Number(counts?.tokens ?? 0), tableBytes: Number(counts?.bytes ?? 0), databaseBytes };
}

/**
 * Writes the state `sessions` sign-ins leave behind after a while, in bulk SQL (making them through the API would
 * take argon2 minutes): every session was created and rotated twice (three tokens, two used); 40 % were signed out,
 * 40 % expired, all more than two days ago; 20 % are still alive.
 */
async function churn(database: Database, sessions: number, userId: string, now: number): Promise<void> {
  const ended = new Date(now - 2 * DAY);
  const started = new Date(now - 3 * DAY);
  const future = new Date(now + 5 * DAY);
  const absolute = new Date(now + 27 * DAY);
  await database.db.execute(sql`
    insert into sessions (id, user_id, created_at, last_used_at, auth_time, absolute_expires_at, idle_expires_at, revoked_at, revoked_reason, user_agent, ip)
    select 'churn-' || g, ${userId}::uuid, ${started}, ${started}, ${started},
      case when g % 5 in (2, 3) then ${ended}::timestamptz else ${absolute}::timestamptz end,
      case when g % 5 in (2, 3) then ${ended}::timestamptz else ${future}::timestamptz end,
      case when g % 5 in (0, 1) then ${ended}::timestamptz else null end,
      case when g % 5 in (0, 1) then 'logout' else null end,
      'bench churn', '127.0.0.1'
    from generate_series(1, ${sessions}) as g`);
  await database.db.execute(sql`
    insert into refresh_tokens (token_hash, session_id, created_at, expires_at, used_at)
    select md5('churn-' || g || '-' || k) || md5(g || '-' || k || '-churn'), 'churn-' || g, ${started},
      case when g % 5 in (2, 3) then ${ended}::timestamptz else ${future}::timestamptz end,
      case when k < 3 then ${started}::timestamptz else null end
    from generate_series(1, ${sessions}) as g, generate_series(1, 3) as k`);
}

async function refreshLatency(serviceUrl: string, profile: BenchProfile, label: string, reporter: Reporter): Promise<LoadResult> {
  const tokens: string[] = [];
  for (let index = 0; index < sessionsNeeded(profile.connections, 1); index += 1) tokens.push((await login(serviceUrl)).refreshToken);
  const pool = refreshTokenPool(tokens);
  return runLoad({
    url: `${serviceUrl}/v1/auth/refresh`,
    method: 'POST',
    connections: profile.connections,
    overallRate: profile.probeRate,
    durationSeconds: profile.durationSeconds,
    headers: { 'content-type': 'application/json' },
    setupRequest: pool.setupRequest,
    onResponse: pool.onResponse,
    onEnd: pool.endRun,
    onTick: (fraction) => reporter.progress(label, fraction),
  });
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Scenario 5: storage growth after many sessions, the pruning job, and refresh latency at that size vs empty. */
export async function runStorageGrowth(options: {
  profile: BenchProfile;
  backends: ReadonlyArray<'pglite' | 'postgres'>;
  adminUrl: string | undefined;
  reporter: Reporter;
}): Promise<ScenarioResult> {
  const { profile, reporter } = options;
  const result: ScenarioResult = {
    id: STORAGE_ID,
    title: 'Storage growth: sessions churned, then pruned',
    parameters: {
      'sessions churned': profile.churnSessions,
      'per session': '3 refresh tokens (created, rotated twice); 40 % signed out and 40 % expired two days ago, 20 % alive',
      'pruning job': 'SessionPruner (PRUNE_RETENTION=86400 s: ended sessions and expired tokens older than a day), batches of 5 000',
      'refresh latency probe (req/s, s)': `${profile.probeRate} req/s for ${profile.durationSeconds} s, ${profile.connections} connections, pool of sessions`,
    },
    measurements: [],
    facts: [],
    notes: [
      'The churned rows are written in bulk SQL in the shape the API leaves them; creating them through the API would cost 100 000 argon2id verifications (~15 minutes).',
      'DELETE frees rows, not file space: after the job a plain VACUUM makes the pages reusable (the tables stop growing); only VACUUM FULL returns them to the operating system.',
    ],
  };
  const fact = (backend: string, label: string, value: string | number): void => {
    result.facts.push({ label, value, backend });
    reporter.fact(STORAGE_ID, `${backend} · ${label}`, value);
  };
  for (const backend of options.backends) {
    const target = await createDatabase(backend, options.adminUrl);
    try {
      reporter.step(`scenario 5 · ${backend}: empty database`);
      let service = await startUserService({ env: { ...target.env, ...UNTHROTTLED, PRUNE_INTERVAL: '0' } });
      const empty = await refreshLatency(service.url, profile, `5 · ${backend} · refresh, empty database`, reporter);
      const aliceId = (await login(service.url)).user.id;
      await service.stop();
      result.measurements.push({ label: 'POST /v1/auth/refresh, empty database', backend, load: empty });
      reporter.measured(STORAGE_ID, result.measurements[result.measurements.length - 1] ?? { label: '', backend, load: empty });

      reporter.step(`scenario 5 · ${backend}: churning ${profile.churnSessions} sessions`);
      let storage = await openStorage(target);
      let database = storage.database;
      const churnStarted = Date.now();
      await churn(database, profile.churnSessions, aliceId, Date.now());
      await database.db.execute(sql`analyze sessions`);
      await database.db.execute(sql`analyze refresh_tokens`);
      fact(backend, 'churn written in (s)', Number(((Date.now() - churnStarted) / 1000).toFixed(1)));
      const before = await measureSizes(database, target);
      await storage.close();

      service = await startUserService({ env: { ...target.env, ...UNTHROTTLED, PRUNE_INTERVAL: '0' } });
      const full = await refreshLatency(service.url, profile, `5 · ${backend} · refresh, ${profile.churnSessions} sessions`, reporter);
      await service.stop();
      const fullRow = {
        label: `POST /v1/auth/refresh, ${profile.churnSessions.toLocaleString('en-US')} sessions churned`,
        backend,
        load: full,
        ratio: empty.p99 > 0 ? full.p99 / empty.p99 : 0,
      } as const;
      result.measurements.push(fullRow);
      reporter.measured(STORAGE_ID, fullRow);

      storage = await openStorage(target);
      database = storage.database;
      const pruner = new SessionPruner(database.db, systemClock, storage.logger, { retentionSeconds: 86_400, batchSize: 5_000, maxBatches: 1_000 });
      const pruneStarted = Date.now();
      const pruned = await pruner.pruneOnce();
      fact(backend, 'pruning job took (s)', Number(((Date.now() - pruneStarted) / 1000).toFixed(1)));
      fact(backend, 'pruned sessions / refresh tokens', `${pruned.sessions} / ${pruned.refreshTokens}`);
      await database.db.execute(sql`vacuum sessions`);
      await database.db.execute(sql`vacuum refresh_tokens`);
      const after = await measureSizes(database, target);
      await database.db.execute(sql`vacuum full sessions`);
      await database.db.execute(sql`vacuum full refresh_tokens`);
      const compacted = await measureSizes(database, target);
      await storage.close();
      fact(backend, 'sessions rows before → after', `${before.sessions} → ${after.sessions}`);
      fact(backend, 'refresh_tokens rows before → after', `${before.refreshTokens} → ${after.refreshTokens}`);
      fact(
        backend,
        'token tables size before → after prune+VACUUM → after VACUUM FULL',
        `${mib(before.tableBytes)} → ${mib(after.tableBytes)} → ${mib(compacted.tableBytes)}`,
      );
      fact(
        backend,
        `database size before → after VACUUM FULL${backend === 'pglite' ? ' (data directory)' : ''}`,
        `${mib(before.databaseBytes)} → ${mib(compacted.databaseBytes)}`,
      );
    } finally {
      await target.drop();
    }
  }
  return result;
}
