import { describe, expect, it } from 'vitest';
import { clientAddressFrom, NO_TRUSTED_PROXIES, trustedProxies, trustedProxyProblem, untrustedFromRight } from './trusted-proxies.js';

const behindProxies = trustedProxies(['10.0.0.0/8', '127.0.0.1', '2001:db8:ffff::/48']);

describe('the client address from the socket and X-Forwarded-For', () => {
  it('is the socket peer when no proxy is trusted, whatever the browser forged', () => {
    expect(clientAddressFrom('192.0.2.10', '198.51.100.1, 198.51.100.2', NO_TRUSTED_PROXIES)).toBe('192.0.2.10');
    expect(clientAddressFrom('192.0.2.10', undefined, NO_TRUSTED_PROXIES)).toBe('192.0.2.10');
  });

  it('is the socket peer when the peer is not one of the trusted proxies', () => {
    expect(clientAddressFrom('192.0.2.10', '198.51.100.1', behindProxies)).toBe('192.0.2.10');
  });

  it('walks a trusted chain from the right to the first address that is no trusted proxy', () => {
    // Browser forged 198.51.100.1; the edge proxy (10.1.1.1) appended the browser's real address; an inner proxy appended the edge.
    expect(clientAddressFrom('127.0.0.1', '198.51.100.1, 192.0.2.20, 10.1.1.1', behindProxies)).toBe('192.0.2.20');
  });

  it('keeps the last trusted hop when an entry is malformed or the chain holds only proxies', () => {
    expect(clientAddressFrom('127.0.0.1', '192.0.2.20, not-an-address, 10.1.1.1', behindProxies)).toBe('10.1.1.1');
    expect(clientAddressFrom('127.0.0.1', '192.0.2.20,, 10.1.1.1', behindProxies)).toBe('10.1.1.1');
    expect(clientAddressFrom('127.0.0.1', '10.2.2.2, 10.1.1.1', behindProxies)).toBe('10.2.2.2');
    expect(clientAddressFrom('127.0.0.1', undefined, behindProxies)).toBe('127.0.0.1');
  });

  it('reads IPv6 and IPv4-mapped addresses in their canonical text, ranges included', () => {
    expect(clientAddressFrom('::ffff:192.0.2.10', undefined, NO_TRUSTED_PROXIES)).toBe('192.0.2.10');
    expect(clientAddressFrom('::ffff:127.0.0.1', '2001:DB8::1', behindProxies)).toBe('2001:db8:0:0:0:0:0:1');
    expect(clientAddressFrom('2001:db8:ffff:1::5', '2001:db8:1::9', behindProxies)).toBe('2001:db8:1:0:0:0:0:9');
  });

  it('has no address for a socket without one', () => {
    expect(clientAddressFrom(undefined, '198.51.100.1', behindProxies)).toBeUndefined();
  });

  it('without a socket (an app behind proxies under next start), takes the right-most entry that is no trusted proxy', () => {
    expect(untrustedFromRight('198.51.100.1, 192.0.2.20', behindProxies)).toBe('192.0.2.20');
    expect(untrustedFromRight('192.0.2.20, 10.1.1.1', behindProxies)).toBe('192.0.2.20');
    expect(untrustedFromRight('garbage', behindProxies)).toBeUndefined();
    expect(untrustedFromRight(undefined, behindProxies)).toBeUndefined();
  });
});

describe('TRUST_PROXY entries', () => {
  it('accepts addresses and CIDR ranges of either family', () => {
    for (const entry of ['127.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32', '0.0.0.0/0']) expect(trustedProxyProblem(entry)).toBeUndefined();
  });

  it('refuses host names, words and impossible prefixes', () => {
    for (const entry of ['proxy.internal', 'true', '10.0.0.0/33', '::1/129', '10.0.0.0/8/8', '10.0.0.0/x']) expect(trustedProxyProblem(entry)).toBeDefined();
    expect(() => trustedProxies(['loopback'])).toThrow(/TRUST_PROXY/);
  });
});
