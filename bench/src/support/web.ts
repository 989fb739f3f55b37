/** A cookie jar of name=value pairs: enough for NextAuth's cookies between our own requests. */
export class Cookies {
  readonly #values = new Map<string, string>();

  /** A jar holding what a `Cookie` header holds: a copy of another jar at one moment. */
  static from(header: string): Cookies {
    const cookies = new Cookies();
    for (const pair of header.split('; ')) {
      const index = pair.indexOf('=');
      if (index > 0) cookies.#values.set(pair.slice(0, index), pair.slice(index + 1));
    }
    return cookies;
  }

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      if (index > 0) this.#values.set(pair.slice(0, index), pair.slice(index + 1));
    }
  }

  /** A jar of its own with the same values: what a client holds before answers change it. */
  clone(): Cookies {
    const copy = new Cookies();
    for (const [name, value] of this.#values) copy.#values.set(name, value);
    return copy;
  }

  header(): string {
    return [...this.#values].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** Signs in through the web app's NextAuth credentials flow (CSRF token, then the callback) and returns the cookies. */
export async function signInThroughApp(appUrl: string, email: string, password: string): Promise<Cookies> {
  const cookies = new Cookies();
  const csrf = await fetch(`${appUrl}/api/auth/csrf`);
  cookies.take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const signIn = await fetch(`${appUrl}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: appUrl, cookie: cookies.header() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${appUrl}/` }),
  });
  // NextAuth answers a refused sign-in with a redirect too, to the sign-in page with `error=`.
  const location = signIn.headers.get('location') ?? '';
  if (signIn.status !== 302 || new URL(location, appUrl).searchParams.has('error')) throw new Error(`sign-in through the app answered ${signIn.status} ${location}`);
  cookies.take(signIn);
  return cookies;
}

/** The value of one Prometheus sample (0 when the labelled series has not been written yet). */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (wanted.every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return 0;
}
