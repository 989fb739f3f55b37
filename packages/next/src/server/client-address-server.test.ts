import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CLIENT_ADDRESS_HEADER } from '@portcullis/contracts';
import { describe, expect, it } from 'vitest';
import { NO_TRUSTED_PROXIES, trustedProxies } from '../http/trusted-proxies.js';
import { stampClientAddress } from './client-address-server.js';

function incoming(remoteAddress: string | undefined, headers: IncomingMessage['headers']): Pick<IncomingMessage, 'headers' | 'socket'> {
  return { headers, socket: { remoteAddress } as Socket };
}

describe('the app server stamps each request with the address it vouches for', () => {
  it("replaces a browser's own address header and ignores its X-Forwarded-For: the socket decides", () => {
    const request = incoming('192.0.2.50', { 'x-forwarded-for': '198.51.100.1', [CLIENT_ADDRESS_HEADER]: '198.51.100.2' });
    stampClientAddress(request, NO_TRUSTED_PROXIES);
    expect(request.headers[CLIENT_ADDRESS_HEADER]).toBe('192.0.2.50');
  });

  it('behind a trusted proxy, takes the address that proxy appended', () => {
    const request = incoming('::ffff:127.0.0.1', { 'x-forwarded-for': '198.51.100.1, 192.0.2.51' });
    stampClientAddress(request, trustedProxies(['127.0.0.1', '::1']));
    expect(request.headers[CLIENT_ADDRESS_HEADER]).toBe('192.0.2.51');
  });

  it('removes the header altogether when the socket has no address', () => {
    const request = incoming(undefined, { [CLIENT_ADDRESS_HEADER]: '198.51.100.2' });
    stampClientAddress(request, NO_TRUSTED_PROXIES);
    expect(request.headers[CLIENT_ADDRESS_HEADER]).toBeUndefined();
  });
});
