// Ceiling for POST /v1/auth/login: one argon2id verify at the service's parameters and hashing concurrency, behind
// a bare node:http route. Sign-in cost is hashing by design; this shows what the rest of the endpoint adds.
import { createServer, type IncomingMessage } from 'node:http';
import { hash, verify } from '@node-rs/argon2';
import { ConcurrencyGate } from '@portcullis/user-service/dist/passwords/concurrency-gate.js';
import { PASSWORD_HASH_PARAMETERS } from '@portcullis/user-service/dist/passwords/password-hasher.js';

const port = Number(process.env.PORT);
const gate = new ConcurrencyGate({ concurrency: Number(process.env.PASSWORD_HASH_CONCURRENCY ?? '1'), lanes: [{ name: 'every sign-in', queue: 1_000_000 }] });
const password = process.env.PASSWORD ?? 'bench';
const stored = await hash(password, PASSWORD_HASH_PARAMETERS);

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
      const outcome = await gate.run(() => verify(stored, typeof body.password === 'string' ? body.password : ''), { lane: 'every sign-in' });
      send(outcome?.value === true ? 200 : 401, { ok: outcome?.value === true });
    })
    .catch(() => send(500, { error: 'internal_error' }));
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
