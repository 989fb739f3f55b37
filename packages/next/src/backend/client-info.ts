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

/**
 * The browser's address is the right-most `X-Forwarded-For` entry: Next's server fills the header with the
 * socket address when it is absent, and a reverse proxy in front appends the address it saw. Entries further
 * left are client-supplied and not trusted.
 */
export function clientInfoFrom(headers: HeaderSource): ClientInfo {
  const forwarded = headerValue(headers, 'x-forwarded-for');
  const ip = forwarded
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .at(-1);
  const userAgent = headerValue(headers, 'user-agent');
  return { ip: ip && ip.length <= 64 ? ip : undefined, userAgent: userAgent?.slice(0, 512) };
}

export function clientHeaders(client: ClientInfo): Record<string, string> {
  const headers: Record<string, string> = {};
  if (client.ip) headers['x-forwarded-for'] = client.ip;
  if (client.userAgent) headers['user-agent'] = client.userAgent;
  return headers;
}

/** The same, read through a header getter (Next's `headers()` in server actions). */
export function clientInfoOf(reader: { get(name: string): string | null }): ClientInfo {
  return clientInfoFrom({ 'x-forwarded-for': reader.get('x-forwarded-for') ?? undefined, 'user-agent': reader.get('user-agent') ?? undefined });
}
