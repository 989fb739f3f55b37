/**
 * How an app tells the user-service which browser it calls for. Only an app instance sets these headers, and the
 * user-service believes the address only next to a valid app credential (docs/user-service.md, "Client addresses").
 */
export const APP_CREDENTIAL_HEADER = 'x-portcullis-app-credential';
export const CLIENT_ADDRESS_HEADER = 'x-portcullis-client-address';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address, or `undefined` when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] | undefined => {
    if (part === undefined || part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (const [index, piece] of pieces.entries()) {
      if (index === pieces.length - 1 && IPV4.test(piece)) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
        groups.push((a << 8) | b, (c << 8) | d);
      } else if (HEX_GROUP.test(piece)) {
        groups.push(Number.parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...Array<number>(missing).fill(0), ...tail] : undefined;
}

/** The address in its canonical text (IPv4-mapped IPv6 as IPv4, lower case), or `undefined` when it is not an IP. */
export function canonicalAddress(address: string): string | undefined {
  const bare = address.trim().toLowerCase().replace(/%.*$/, '');
  if (IPV4.test(bare)) return bare;
  const groups = ipv6Groups(bare);
  if (groups === undefined) return undefined;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return groups.map((group) => group.toString(16)).join(':');
}

/**
 * The unit an address is counted in by per-address limits: an IPv4 address itself, an IPv6 address by its /64, since
 * one subscriber is routinely given a whole /64 and would otherwise have 2^64 fresh addresses to spend (RFC 6177,
 * OWASP ASVS 5.0 §6.3.1). `undefined` when the text is not an IP address.
 */
export function addressBucket(address: string): string | undefined {
  const canonical = canonicalAddress(address);
  if (canonical === undefined || !canonical.includes(':')) return canonical;
  return `${canonical.split(':').slice(0, 4).join(':')}::/64`;
}
