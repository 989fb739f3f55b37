import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP forwarder between the web app and the user-service that tests can switch off: "down" closes the
 * listening socket and every open connection, so the app sees exactly what a stopped service looks like
 * (connection refused), while the service keeps its in-memory state for when the gateway comes back up.
 */
export class Gateway {
  readonly #upstreamPort: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #control: HttpServer | undefined;
  #port = 0;

  constructor(upstreamPort: number) {
    this.#upstreamPort = upstreamPort;
  }

  get port(): number {
    return this.#port;
  }

  async up(port = this.#port): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = connect(this.#upstreamPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** `POST /down` and `POST /up` on a separate port, for test workers in other processes. */
  async startControl(): Promise<number> {
    this.#control = createHttpServer((req, res) => {
      const action = req.method === 'POST' ? req.url : undefined;
      const done = (): void => void res.writeHead(204).end();
      if (action === '/down') void this.down().then(done);
      else if (action === '/up') void this.up().then(done);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.#control?.listen(0, '127.0.0.1', resolve));
    return (this.#control.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await this.down();
    await new Promise<void>((resolve) => (this.#control ? this.#control.close(() => resolve()) : resolve()));
  }
}
