import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Another origin on this machine (same site, other port): where forged messages come from in the tests. */
export interface HostileSite {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves one harmless-looking page for every path; the tests drive it with `page.evaluate`. */
export async function startHostileSite(): Promise<HostileSite> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end('<!doctype html><html lang="en"><title>Prize draw</title><body><h1>You won a prize</h1></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
