import { CLIENT_ADDRESS_HEADER } from '@portcullis/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { trustedProxies } from '../http/trusted-proxies.js';
import type { Logger } from '../logging/logger.js';
import { clientInfoReader, markClientAddressServer } from './client-info.js';

const SERVER_MARK = Symbol.for('@portcullis/next.client-address-server');

function capturingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return { warnings, debug: ignore, info: ignore, error: ignore, warn: (_fields: unknown, message?: string) => void warnings.push(message ?? '') } as Logger & {
    warnings: string[];
  };
}

const forged = { 'x-forwarded-for': '198.51.100.1', [CLIENT_ADDRESS_HEADER]: '198.51.100.2', 'user-agent': 'ua' };

afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[SERVER_MARK];
});

describe("the browser's address as the library reads it", () => {
  it('served through @portcullis/next/server: the address header that server set, never X-Forwarded-For', () => {
    markClientAddressServer();
    const reader = clientInfoReader({ trustProxy: undefined, logger: capturingLogger() });
    expect(reader.from({ 'x-forwarded-for': '198.51.100.1', [CLIENT_ADDRESS_HEADER]: '192.0.2.30', 'user-agent': 'ua' })).toEqual({ ip: '192.0.2.30', userAgent: 'ua' });
    expect(reader.of(new Headers({ 'x-forwarded-for': '198.51.100.1', [CLIENT_ADDRESS_HEADER]: '2001:DB8::7' })).ip).toBe('2001:db8:0:0:0:0:0:7');
    expect(reader.from({ 'x-forwarded-for': '198.51.100.1' }).ip).toBeUndefined();
  });

  it('without that server, ignores the address header a browser sent', () => {
    const reader = clientInfoReader({ trustProxy: trustedProxies(['127.0.0.1']), logger: capturingLogger() });
    expect(reader.from({ [CLIENT_ADDRESS_HEADER]: '198.51.100.2' }).ip).toBeUndefined();
  });

  it('behind configured proxies: the right-most X-Forwarded-For entry that is not one of them', () => {
    const reader = clientInfoReader({ trustProxy: trustedProxies(['10.0.0.0/8']), logger: capturingLogger() });
    expect(reader.from({ ...forged, 'x-forwarded-for': '198.51.100.1, 192.0.2.40, 10.0.0.5' }).ip).toBe('192.0.2.40');
    expect(reader.of(new Headers({ 'x-forwarded-for': '198.51.100.1, 192.0.2.41' })).ip).toBe('192.0.2.41');
  });

  it('with neither, has no address at all rather than one the browser chose, and says so once', () => {
    const logger = capturingLogger();
    const reader = clientInfoReader({ trustProxy: undefined, logger });
    expect(reader.from(forged)).toEqual({ ip: undefined, userAgent: 'ua' });
    expect(reader.from(forged).ip).toBeUndefined();
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/@portcullis\/next\/server|TRUST_PROXY/);
  });

  it('caps the user agent it passes on', () => {
    const reader = clientInfoReader({ trustProxy: undefined, logger: capturingLogger() });
    expect(reader.from({ 'user-agent': 'u'.repeat(2_000) }).userAgent).toHaveLength(512);
  });
});
