import { BlockList, isIP } from 'node:net';
import { canonicalAddress } from '@portcullis/contracts';

/** The reverse proxies in front of the app (TRUST_PROXY: addresses and CIDR ranges, as the user-service reads it). */
export interface TrustedProxies {
  /** Whether `address` (any spelling of an IP address) is one of them; never for text that is no address. */
  has(address: string): boolean;
}

/** Why one TRUST_PROXY entry is refused, or `undefined` when it is an address or a CIDR range. */
export function trustedProxyProblem(entry: string): string | undefined {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `${JSON.stringify(entry)} is no IP address or CIDR range`;
  if (prefix === undefined) return undefined;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  return bits >= 0 && bits <= (family === 4 ? 32 : 128) ? undefined : `${JSON.stringify(entry)} has no valid prefix length`;
}

/** The entries of a comma list such as the TRUST_PROXY variable, trimmed, empty ones dropped. */
export function commaListEntries(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** Builds the matcher once from entries `trustedProxyProblem` accepted. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const problem = trustedProxyProblem(entry);
    if (problem !== undefined) throw new TypeError(`TRUST_PROXY: ${problem}`);
    const [address = '', prefix] = entry.split('/');
    // The canonical text maps IPv4-mapped IPv6 (::ffff:10.0.0.1) to IPv4, as addresses are checked below.
    const canonical = canonicalAddress(address) ?? address;
    const type = canonical.includes(':') ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(canonical, type);
    else list.addSubnet(canonical, Number(prefix), type);
  }
  return {
    has(address) {
      const canonical = canonicalAddress(address);
      if (canonical === undefined) return false;
      return list.check(canonical, canonical.includes(':') ? 'ipv6' : 'ipv4');
    },
  };
}

/** No proxy is trusted: the socket's peer is the client. */
export const NO_TRUSTED_PROXIES: TrustedProxies = Object.freeze({ has: () => false });

/**
 * The client's address from the hop that reached us and the `X-Forwarded-For` it brought: the peer itself unless it
 * is a trusted proxy; then the list from the right, skipping trusted proxies, up to the first address that is not
 * one. Entries further left were written by whoever the client is and prove nothing (OWASP ASVS 5.0 §13.2; RFC 7239
 * §7.4). A malformed entry ends the walk at the last trusted hop, whose word is all we can vouch for.
 */
export function clientAddressFrom(peer: string | undefined, forwardedFor: string | undefined, trusted: TrustedProxies): string | undefined {
  const peerAddress = peer === undefined ? undefined : canonicalAddress(peer);
  if (peerAddress === undefined) return undefined;
  if (!trusted.has(peerAddress)) return peerAddress;
  return untrustedFromRight(forwardedFor, trusted, peerAddress);
}

/**
 * The right-most `X-Forwarded-For` entry that is not a trusted proxy, for an app behind proxies that append the
 * address they saw. `lastTrusted` answers when every entry is a trusted proxy or a malformed one comes first.
 */
export function untrustedFromRight(forwardedFor: string | undefined, trusted: TrustedProxies, lastTrusted?: string): string | undefined {
  let hop = lastTrusted;
  if (forwardedFor === undefined || forwardedFor.trim() === '') return hop;
  const entries = forwardedFor.split(',');
  for (let index = entries.length - 1; index >= 0; index -= 1) {
    const address = canonicalAddress(entries[index] ?? '');
    if (address === undefined) return hop;
    if (!trusted.has(address)) return address;
    hop = address;
  }
  return hop;
}
