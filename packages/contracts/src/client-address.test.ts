import { describe, expect, it } from 'vitest';
import { addressBucket, canonicalAddress } from './client-address.js';

describe('client addresses', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(addressBucket('198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts every address of one IPv6 /64 as one', () => {
    const first = addressBucket('2001:db8:1:2::1');
    expect(first).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe(first);
    expect(addressBucket('2001:db8:1:3::1')).not.toBe(first);
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(canonicalAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressBucket('::ffff:cb00:7109')).toBe('203.0.113.9');
  });

  it('expands :: and drops a zone id', () => {
    expect(canonicalAddress('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(canonicalAddress('fe80::1%eth0')).toBe('fe80:0:0:0:0:0:0:1');
  });

  it('refuses what is not an address', () => {
    for (const text of ['', 'localhost', '256.1.1.1', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'x'.repeat(100), '198.51.100.7, 10.0.0.1']) {
      expect(addressBucket(text)).toBeUndefined();
    }
  });
});
