// Ceilings for POST /v1/auth/refresh, without the framework (no Fastify, no hooks, no logging, no throttle).
// With ROTATION=service — the ceiling docs/benchmarks.md defines, "the same steps without the framework (hash lookup, atomic
// update, one signature)" — it hashes the presented token, runs the service's own one-statement rotation
// (SessionStore.rotateRefreshToken: marks it used, inserts the sealed successor, slides the session, writes the audit
// row) and signs once. Without it, a floor: the same hash and signature around a smaller statement that only marks
// the token used and inserts its successor, to show what the writes the refresh contract (docs/user-service.md) requires cost.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import pg from 'pg';
import { createLogger, createServiceContext, loadConfig, systemClock } from '@portcullis/user-service';

const port = Number(process.env.PORT);
const sessionsWanted = Number(process.env.SESSIONS ?? '64');
// The same storage as the service it is compared with (its PostgreSQL database, or a PGlite directory like its own),
// opened as the service opens it: its context gives the stores, the signing keys and the session lifetimes below.
const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: process.env.DATABASE_URL,
  DATA_DIR: process.env.DATA_DIR ?? 'memory://',
  SIGNING_ALG: 'EdDSA',
  REFRESH_IDLE_TTL: '86400',
  REFRESH_ABSOLUTE_TTL: String(86_400 * 30),
  REFRESH_REUSE_GRACE: '30',
});
const context = await createServiceContext(config, { clock: systemClock, logger: createLogger({ level: 'silent' }) });
const { database, keys, users, sessions: store } = context;
const email = `ceiling-${randomBytes(4).toString('hex')}@bench.test`;
const user = await users.create({ email, name: 'Ceiling', role: 'USER', passwordHash: 'unused' });
if (user === null) throw new Error('ceiling user not created');
const pool: string[] = [];
for (let index = 0; index < sessionsWanted; index += 1) pool.push((await store.createSession(user, { ip: '127.0.0.1', userAgent: 'bench' })).refreshToken.token);

const ROTATE_SQL = `
  with used as (
    update refresh_tokens set used_at = $1, successor_id = $2
    where token_hash = $3 and used_at is null and expires_at > $1
    returning session_id, expires_at
  ), successor as (
    insert into refresh_tokens (id, token_hash, session_id, created_at, expires_at)
    select $2, $4, session_id, $1, expires_at from used
    returning session_id
  )
  select successor.session_id, sessions.user_id from successor join sessions on sessions.id = successor.session_id`;

const hash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64url');

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const serviceRotation = process.env.ROTATION === 'service';

async function sign(sessionId: string, userId: string): Promise<string> {
  const { kid, alg, privateKey } = await keys.signingKey();
  return new SignJWT({ sid: sessionId, role: 'USER', scope: 'profile:read' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('15m')
    .setJti(randomUUID())
    .sign(privateKey);
}

async function rotate(presented: string): Promise<{ refreshToken: string; accessToken: string } | null> {
  if (serviceRotation) {
    const outcome = await store.rotateRefreshToken(presented, { ip: '127.0.0.1', userAgent: 'bench' }, { audit: true });
    if (outcome.kind !== 'rotated') return null;
    return { refreshToken: outcome.refreshToken.token, accessToken: await sign(outcome.session.id, outcome.user.id) };
  }
  const successor = randomBytes(32).toString('base64url');
  const successorId = randomUUID();
  const now = new Date();
  const values = [now, successorId, hash(presented), hash(successor)];
  // Prepared once per connection on PostgreSQL, as the service's own hot statement is: the ceiling is the best way.
  const client = (database.db as unknown as { $client?: unknown }).$client;
  const result =
    client instanceof pg.Pool
      ? await client.query({ name: 'ceiling_rotate', text: ROTATE_SQL, values })
      : await database.db.execute(sql`
    with used as (
      update refresh_tokens set used_at = ${now}, successor_id = ${successorId}
      where token_hash = ${hash(presented)} and used_at is null and expires_at > ${now}
      returning session_id, expires_at
    ), successor as (
      insert into refresh_tokens (id, token_hash, session_id, created_at, expires_at)
      select ${successorId}, ${hash(successor)}, session_id, ${now}, expires_at from used
      returning session_id
    )
    select successor.session_id, sessions.user_id from successor join sessions on sessions.id = successor.session_id`);
  const row = (result as unknown as { rows: Array<{ session_id: string; user_id: string }> }).rows[0];
  if (row === undefined) return null;
  const accessToken = await sign(row.session_id, row.user_id);
  return { refreshToken: successor, accessToken };
}

const server = createServer((request, response) => {
  const send = (status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (request.method === 'GET' && request.url === '/healthz') return send(200, { status: 'ok' });
  if (request.method === 'GET' && request.url === '/tokens') return send(200, { tokens: pool });
  if (request.method !== 'POST' || request.url !== '/refresh') return send(404, { error: 'not_found' });
  readBody(request)
    .then((text) => {
      const body = JSON.parse(text) as { refreshToken?: unknown };
      return typeof body.refreshToken === 'string' ? rotate(body.refreshToken) : null;
    })
    .then((tokens) => (tokens === null ? send(401, { error: 'invalid_grant' }) : send(200, tokens)))
    .catch(() => send(500, { error: 'internal_error' }));
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void context.close().then(() => process.exit(0))));
