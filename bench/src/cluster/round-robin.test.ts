import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoundRobin, type RoundRobin } from '../../../scripts/round-robin.mjs';
import { freePort } from '../support/processes.js';

async function echoServer(name: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ name, body: Buffer.concat(chunks).toString('utf8'), forwardedFor: request.headers['x-forwarded-for'] ?? null }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

describe('the round-robin proxy of npm run start:cluster', () => {
  const servers: Server[] = [];
  let proxy: RoundRobin;

  beforeAll(async () => {
    const a = await echoServer('a');
    const b = await echoServer('b');
    servers.push(a.server, b.server);
    // An instance that is down: nothing listens on its port.
    const down = `http://127.0.0.1:${await freePort()}`;
    proxy = await startRoundRobin({ upstreams: [a.url, down, b.url], port: 0 });
  });

  afterAll(async () => {
    await proxy.close();
    for (const server of servers) server.close();
  });

  it('alternates between live instances, skips one that refuses connections, and forwards bodies and the caller', async () => {
    const names: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await fetch(`${proxy.url}/echo`, { method: 'POST', body: `body-${index}`, headers: { 'x-forwarded-for': '203.0.113.5' } });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { name: string; body: string; forwardedFor: string };
      expect(answer.body).toBe(`body-${index}`);
      expect(answer.forwardedFor).toBe('203.0.113.5, 127.0.0.1');
      names.push(answer.name);
    }
    expect(new Set(names)).toEqual(new Set(['a', 'b']));
    expect(proxy.counts[1]).toBe(0);
  });
});
