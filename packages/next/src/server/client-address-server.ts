import { createServer, type IncomingMessage, type Server } from 'node:http';
import { CLIENT_ADDRESS_HEADER } from '@portcullis/contracts';
import next from 'next';
import { markClientAddressServer } from '../backend/client-info.js';
import { clientAddressFrom, commaListEntries, NO_TRUSTED_PROXIES, trustedProxies, type TrustedProxies } from '../http/trusted-proxies.js';

export interface AppServerOptions {
  /** The built Next app's folder (where `.next` is). */
  dir: string;
  port: number;
  /** The interface to listen on; this machine only unless told otherwise, like the user-service. */
  hostname?: string;
  /** The reverse proxies in front of the app (TRUST_PROXY: a comma list or the entries); none by default. */
  trustProxy?: string | readonly string[];
}

export interface RunningAppServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Puts on the request the address this server vouches for, in the header the library reads: the socket's peer, or
 * what the trusted proxies in front wrote into `X-Forwarded-For`. Any copy the client sent is removed first, so the
 * header says only what this hop decided (OWASP ASVS 5.0 §13.2).
 */
export function stampClientAddress(request: Pick<IncomingMessage, 'headers' | 'socket'>, trusted: TrustedProxies): void {
  delete request.headers[CLIENT_ADDRESS_HEADER];
  const forwarded = request.headers['x-forwarded-for'];
  const address = clientAddressFrom(request.socket.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded, trusted);
  if (address !== undefined) request.headers[CLIENT_ADDRESS_HEADER] = address;
}

function listen(server: Server, port: number, hostname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Serves a built Next app with Next's custom-server API instead of `next start`, which fills `X-Forwarded-For` only
 * when the browser did not send one and so lets a browser choose its own address. This server decides the address
 * from the socket for every request (`stampClientAddress`) and marks the process so the library believes only it.
 */
export async function serveNextApp(options: AppServerOptions): Promise<RunningAppServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  const entries = typeof options.trustProxy === 'string' ? commaListEntries(options.trustProxy) : (options.trustProxy ?? []);
  const trusted = entries.length === 0 ? NO_TRUSTED_PROXIES : trustedProxies(entries);
  const app = next({ dev: false, dir: options.dir, hostname, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  markClientAddressServer();
  const server = createServer((request, response) => {
    stampClientAddress(request, trusted);
    // Next answers its own errors; this only keeps a failure outside them from leaving the browser hanging.
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Internal Server Error');
    });
  });
  await listen(server, options.port, hostname);
  const shownHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    url: `http://${shownHost}:${options.port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}
