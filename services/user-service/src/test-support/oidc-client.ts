import { createHash, randomBytes } from 'node:crypto';
import type { TestInstance } from './harness.js';

/** A cookie jar of name=value pairs, as a browser keeps them between our own requests (paths are not needed here). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  names(): string[] {
    return [...this.#cookies.keys()];
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface TestClient {
  readonly client_id: string;
  readonly client_secret: string;
  readonly redirect_uris: string[];
  readonly post_logout_redirect_uris: string[];
  readonly backchannel_logout_uri?: string;
  readonly scope: string;
}

export const API_RESOURCE = 'urn:portcullis:api';
const APP_SCOPE = 'openid profile email offline_access profile:read sessions:manage';

export function testClient(id: string, options: { backchannelLogoutUri?: string } = {}): TestClient {
  const origin = `https://${id}.example.test`;
  return {
    client_id: id,
    client_secret: `${id}-secret-${'s'.repeat(32)}`,
    redirect_uris: [`${origin}/api/auth/callback/portcullis`],
    post_logout_redirect_uris: [`${origin}/signin`],
    ...(options.backchannelLogoutUri === undefined ? {} : { backchannel_logout_uri: options.backchannelLogoutUri }),
    scope: APP_SCOPE,
  };
}

export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint: string;
  revocation_endpoint: string;
  [key: string]: unknown;
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The provider's endpoints are read from discovery; requests go to the test instance's real address. */
export function local(service: TestInstance, endpoint: string): string {
  const url = new URL(endpoint, service.url);
  return `${service.url}${url.pathname}${url.search}`;
}

export interface AuthorizationRequest {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly url: string;
}

/** An authorization request as an app sends it; `overrides` replace or (with `undefined`) drop parameters. */
export function authorizationRequest(discovery: Discovery, client: TestClient, overrides: Record<string, string | undefined> = {}): AuthorizationRequest {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0],
    scope: client.scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: API_RESOURCE,
    ...overrides,
  };
  const url = new URL(discovery.authorization_endpoint);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return { state, nonce, verifier, url: url.toString() };
}

/** A browser: follows nothing by itself, keeps cookies, and talks to the instance. */
export class TestBrowser {
  /** `cookies` may be another browser's jar: one browser talking to two instances behind one issuer. */
  constructor(
    private readonly service: TestInstance,
    readonly cookies: CookieJar = new CookieJar(),
  ) {}

  async get(url: string): Promise<Response> {
    const response = await fetch(local(this.service, url), { redirect: 'manual', headers: { cookie: this.cookies.header() } });
    this.cookies.take(response);
    return response;
  }

  async postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(local(this.service, url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookies.header(), ...headers },
      body: new URLSearchParams(form).toString(),
    });
    this.cookies.take(response);
    return response;
  }

  /** Follows redirects within the issuer; stops at the first answer that is not a redirect or leaves the issuer. */
  async follow(response: Response): Promise<Response | URL> {
    let current = response;
    for (let hops = 0; hops < 10; hops += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || location === null) return current;
      const next = new URL(location, this.service.context.config.issuer);
      if (next.origin !== new URL(this.service.context.config.issuer).origin) return next;
      current = await this.get(next.toString());
    }
    throw new Error('too many redirects');
  }
}

export function basicAuth(client: TestClient, secret = client.client_secret): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Calls the token endpoint as a confidential client (client_secret_basic). */
export function tokenRequest(service: TestInstance, discovery: Discovery, client: TestClient, form: Record<string, string>, secret?: string): Promise<Response> {
  return fetch(local(service, discovery.token_endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(client, secret) },
    body: new URLSearchParams(form).toString(),
  });
}

export async function discover(service: TestInstance): Promise<Discovery> {
  const response = await service.request('/.well-known/openid-configuration');
  if (response.status !== 200) throw new Error(`discovery answered ${response.status}`);
  return (await response.json()) as Discovery;
}

export interface SignedIn {
  readonly code: string;
  readonly request: AuthorizationRequest;
  readonly callback: URL;
}

/**
 * The whole front-channel sign-in as a browser does it: authorization request, our sign-in page, the password form,
 * and back to the app's redirect URI with a code. Fails loudly when any step answers something else.
 */
export async function signInThroughProvider(
  browser: TestBrowser,
  discovery: Discovery,
  client: TestClient,
  credentials: { email: string; password: string } | null,
  overrides: Record<string, string | undefined> = {},
): Promise<SignedIn> {
  const request = authorizationRequest(discovery, client, overrides);
  let step = await browser.follow(await browser.get(request.url));
  if (!(step instanceof URL)) {
    if (step.status !== 200 || credentials === null) throw new Error(`expected the sign-in page, got ${step.status}: ${await step.text()}`);
    const pageUrl = new URL(step.url);
    const posted = await browser.postForm(`${pageUrl.pathname}/login`, credentials);
    step = await browser.follow(posted);
    if (!(step instanceof URL)) throw new Error(`expected a redirect to the app, got ${step.status}: ${await step.text()}`);
  }
  const code = step.searchParams.get('code');
  if (code === null) throw new Error(`no code in ${step.toString()}`);
  return { code, request, callback: step };
}
