// A tiny round-robin HTTP proxy for `npm run start:cluster` and the scale-out tests: one listener in front of N
// instances of a tier. It buffers each request body (≤ 1 MiB) so that an instance that refuses the connection
// (stopped, restarting) is skipped and the next one tried: the request never reached it, so retrying is safe.
// It appends the caller to X-Forwarded-For (the instances — user-service and web app alike — trust it only when their
// TRUST_PROXY names this proxy) and tells which instance answered in `x-portcullis-upstream`, for tests and
// debugging. Not a production balancer.
import { Agent, createServer, request as httpRequest } from 'node:http';

const MAX_BODY_BYTES = 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * @param {{ upstreams: string[], port: number, host?: string, name?: string }} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void>, counts: number[] }>}
 */
export async function startRoundRobin(options) {
  const upstreams = options.upstreams.map((value) => new URL(value));
  if (upstreams.length === 0) throw new Error('round-robin: at least one upstream is needed');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const counts = upstreams.map(() => 0);
  let next = 0;

  function forward(incoming, response, body, attempt, first) {
    const index = (first + attempt) % upstreams.length;
    const target = upstreams[index];
    const headers = {};
    for (const [key, value] of Object.entries(incoming.headers)) if (!HOP_BY_HOP.has(key)) headers[key] = value;
    const caller = incoming.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = incoming.headers['x-forwarded-for'] ? `${incoming.headers['x-forwarded-for']}, ${caller}` : caller;
    headers['x-forwarded-host'] = incoming.headers.host ?? '';
    headers['x-forwarded-proto'] = 'http';
    headers['content-length'] = String(body.length);
    const outgoing = httpRequest({ agent, host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers }, (answer) => {
      counts[index] += 1;
      const answerHeaders = {};
      for (const [key, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(key) && value !== undefined) answerHeaders[key] = value;
      answerHeaders['x-portcullis-upstream'] = String(index);
      response.writeHead(answer.statusCode ?? 502, answerHeaders);
      answer.pipe(response);
    });
    outgoing.on('error', (error) => {
      // Refused: the instance never saw the request, so the next one may take it.
      if (error.code === 'ECONNREFUSED' && attempt + 1 < upstreams.length && !response.headersSent) {
        forward(incoming, response, body, attempt + 1, first);
        return;
      }
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'unavailable', message: 'No instance answered.' }));
      } else {
        response.destroy();
      }
    });
    outgoing.end(body);
  }

  const server = createServer((incoming, response) => {
    const chunks = [];
    let size = 0;
    incoming.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'payload_too_large', message: 'Too large.' }));
        incoming.destroy();
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => {
      if (response.headersSent) return;
      const first = next;
      next = (next + 1) % upstreams.length;
      forward(incoming, response, Buffer.concat(chunks), 0, first);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    counts,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
