import { CLIENT_ADDRESS_HEADER, canonicalAddress } from '@portcullis/contracts';
import type { Logger } from '../logging/logger.js';
import { untrustedFromRight, type TrustedProxies } from '../http/trusted-proxies.js';

/** The browser on whose behalf the app calls the user-service. */
export interface ClientInfo {
  ip: string | undefined;
  userAgent: string | undefined;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

// The app's bundled code is another module instance than the server's, but both see this process's `globalThis`.
const SERVED_WITH_CLIENT_ADDRESS = Symbol.for('@portcullis/next.client-address-server');

/** Marks this process as served by `@portcullis/next/server`, which sets the client address header itself. */
export function markClientAddressServer(): void {
  (globalThis as typeof globalThis & { [SERVED_WITH_CLIENT_ADDRESS]?: boolean })[SERVED_WITH_CLIENT_ADDRESS] = true;
}

function servedWithClientAddress(): boolean {
  return (globalThis as typeof globalThis & { [SERVED_WITH_CLIENT_ADDRESS]?: boolean })[SERVED_WITH_CLIENT_ADDRESS] === true;
}

/** Reads the browser's address and user agent from a request, only from what this app can vouch for. */
export interface ClientInfoReader {
  from(headers: HeaderSource): ClientInfo;
  /** The same, read through a header getter (Next's `headers()` in server actions). */
  of(reader: { get(name: string): string | null }): ClientInfo;
}

/**
 * Where the browser's address comes from (OWASP ASVS 5.0 §13.2: never from a header the client can set):
 * - served through `@portcullis/next/server`: the address header that server set from the socket (and from
 *   `X-Forwarded-For` only as far as its trusted proxies wrote it), any inbound copy having been removed;
 * - otherwise, with `trustProxy`: the right-most `X-Forwarded-For` entry that is not a trusted proxy (the app must
 *   then be reachable only through those proxies, which append the address they saw);
 * - otherwise no address at all (the user-service then counts the app's own), with one warning in the log.
 */
export function clientInfoReader(options: { trustProxy: TrustedProxies | undefined; logger: Logger }): ClientInfoReader {
  let warned = false;
  function addressOf(headers: HeaderSource): string | undefined {
    if (servedWithClientAddress()) {
      const decided = headerValue(headers, CLIENT_ADDRESS_HEADER);
      return decided === undefined ? undefined : canonicalAddress(decided);
    }
    if (options.trustProxy !== undefined) return untrustedFromRight(headerValue(headers, 'x-forwarded-for'), options.trustProxy);
    if (!warned) {
      warned = true;
      options.logger.warn(
        { event: 'client_address.unknown' },
        "the browser's address is unknown: serve the app with @portcullis/next/server or set TRUST_PROXY to the proxies in front of it",
      );
    }
    return undefined;
  }
  function from(headers: HeaderSource): ClientInfo {
    const userAgent = headerValue(headers, 'user-agent');
    return { ip: addressOf(headers), userAgent: userAgent?.slice(0, 512) };
  }
  return {
    from,
    of: (reader) =>
      from({
        [CLIENT_ADDRESS_HEADER]: reader.get(CLIENT_ADDRESS_HEADER) ?? undefined,
        'x-forwarded-for': reader.get('x-forwarded-for') ?? undefined,
        'user-agent': reader.get('user-agent') ?? undefined,
      }),
  };
}

/** The headers that tell the user-service which browser a call is for; it believes the address only with the app credential. */
export function clientHeaders(client: ClientInfo): Record<string, string> {
  const headers: Record<string, string> = {};
  if (client.ip) headers[CLIENT_ADDRESS_HEADER] = client.ip;
  if (client.userAgent) headers['user-agent'] = client.userAgent;
  return headers;
}
