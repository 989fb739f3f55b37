import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const startScript = fileURLToPath(new URL('./start.mjs', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An address of this machine other than loopback, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')?.address;
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe('npm run start:web', () => {
  it('refuses to serve a real domain without NEXTAUTH_SECRET instead of generating one', () => {
    const { NEXTAUTH_SECRET: _unset, ...environment } = process.env;
    const result = spawnSync(process.execPath, [startScript], {
      env: { ...environment, NEXTAUTH_URL: 'https://app.example.com', DATA_DIR: 'memory://' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('NEXTAUTH_SECRET is required when NEXTAUTH_URL is not local');
  });

  it('refuses to serve a real domain without the app credential, which lets the user-service tell browsers apart', () => {
    const { PORTCULLIS_APP_CREDENTIAL: _unset, ...environment } = process.env;
    const result = spawnSync(process.execPath, [startScript], {
      env: { ...environment, NEXTAUTH_URL: 'https://app.example.com', NEXTAUTH_SECRET: 's'.repeat(43), DATA_DIR: 'memory://' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORTCULLIS_APP_CREDENTIAL is required when NEXTAUTH_URL is not local');
  });

  it('listens on this machine only (127.0.0.1) when WEB_HOST is unset', async () => {
    const port = await freePort();
    const { WEB_HOST: _unset, ...environment } = process.env;
    const child = spawn(process.execPath, [startScript], {
      env: { ...environment, WEB_PORT: String(port), NEXTAUTH_URL: `http://localhost:${port}`, NEXTAUTH_SECRET: 's'.repeat(43), DATA_DIR: 'memory://' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain(`listening on http://127.0.0.1:${port}`);
      expect(await answers(`http://127.0.0.1:${port}/signin`)).toBe(true);
      const external = externalAddress();
      if (external !== undefined) expect(await answers(`http://${external}:${port}/signin`)).toBe(false);
    } finally {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    // Starting a production Next.js server on a busy 2-core machine can take well past vitest's 5 s default; the wait
    // above is what bounds it.
  }, 90_000);
});
