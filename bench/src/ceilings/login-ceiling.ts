// Ceiling for POST /v1/auth/login: one argon2id verify by the service's own hasher (its parameters, hashing threads
// and concurrency), behind a bare node:http route. Sign-in cost is hashing by design; this shows what the rest of the
// endpoint adds.
import { createServer, type IncomingMessage } from 'node:http';
import { createPasswordHasher } from '@portcullis/user-service';

const port = Number(process.env.PORT);
// Every check in one lane with a queue no load reaches: the ceiling measures hashing, never a busy refusal.
const passwords = await createPasswordHasher({ concurrency: Number(process.env.PASSWORD_HASH_CONCURRENCY ?? '1'), queue: 1_000_000 });
const password = process.env.PASSWORD ?? 'bench';
const stored = await passwords.hash(password);

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer((request, response) => {
  const send = (status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (request.method === 'GET' && request.url === '/healthz') return send(200, { status: 'ok' });
  readBody(request)
    .then(async (text) => {
      const body = JSON.parse(text) as { password?: unknown };
      const valid = await passwords.verify(stored, typeof body.password === 'string' ? body.password : '', { lane: 'fresh' });
      send(valid ? 200 : 401, { ok: valid });
    })
    .catch(() => send(500, { error: 'internal_error' }));
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void passwords.close().then(() => process.exit(0))));
