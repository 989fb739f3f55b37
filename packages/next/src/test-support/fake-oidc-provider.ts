import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { scopesForRole, type Role } from '@portcullis/contracts';

export const CLIENT_ID = 'portcullis-portal';
/** The client secret of this test process: random, so no secret is written into the repository. */
export const CLIENT_SECRET = randomBytes(24).toString('base64url');

interface PendingCode {
  clientId: string;
  redirectUri: string;
  nonce: string;
  codeChallenge: string;
  resource: string | null;
  scope: string;
}

interface Grant {
  sub: string;
  role: Role;
  sid: string;
  providerSid: string;
  refreshToken: string;
  revoked: boolean;
}

export interface FakeTokenCall {
  form: URLSearchParams;
  authorization: string | undefined;
}

type Override = (path: string, res: ServerResponse) => boolean;

/** What the provider signs its tokens with: its key (`EdDSA`/`ES256`), or what a forger would try instead. */
export type FakeSigningAlg = 'EdDSA' | 'ES256';
type ForgedAlg = 'HS256' | 'none';

/**
 * A tiny OpenID Provider for unit tests: discovery, JWKS (one Ed25519 or P-256 key), the token endpoint (authorization code with
 * PKCE S256, refresh with rotation), revocation and end-session. It checks what a real provider checks that the
 * library relies on, and lets tests forge what a browser cannot (a foreign nonce, a logout token).
 */
export class FakeOidcProvider {
  readonly tokenCalls: FakeTokenCall[] = [];
  readonly revoked: string[] = [];
  readonly grants = new Map<string, Grant>();
  accessTokenTtlSeconds = 300;
  /** Put into the next ID token instead of the nonce of the authorization request. */
  forgedNonce: string | undefined;
  /** Signs the next ID tokens so instead of with the provider's key (HS256 with the client secret, or unsigned). */
  forgedIdTokenAlg: ForgedAlg | undefined;
  /** Replaces `id_token_signing_alg_values_supported` in the discovery document (by default: the key's algorithm). */
  advertisedAlgs: string[] | undefined;
  override: Override | undefined;
  readonly alg: FakeSigningAlg;
  #server: Server | undefined;
  #codes = new Map<string, PendingCode>();
  #key!: CryptoKey;
  #jwk!: JWK;
  #serial = 0;

  constructor(options: { alg?: FakeSigningAlg } = {}) {
    this.alg = options.alg ?? 'EdDSA';
  }

  get issuer(): string {
    const address = this.#server?.address() as AddressInfo | null;
    if (!address) throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(this.alg, this.alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
    this.#key = privateKey;
    this.#jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: this.alg, use: 'sig' };
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** What the provider does after the user signs in at its page: a code for the authorization request in `url`. */
  authorize(url: string): { code: string; state: string } {
    const params = new URL(url).searchParams;
    const code = randomBytes(16).toString('base64url');
    this.#codes.set(code, {
      clientId: params.get('client_id') ?? '',
      redirectUri: params.get('redirect_uri') ?? '',
      nonce: params.get('nonce') ?? '',
      codeChallenge: params.get('code_challenge') ?? '',
      resource: params.get('resource'),
      scope: params.get('scope') ?? '',
    });
    return { code, state: params.get('state') ?? '' };
  }

  /** A signed logout token; `claims` and `header` override the well-formed defaults, `forgedAlg` signs it as a forger would. */
  async logoutToken(options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey; forgedAlg?: ForgedAlg } = {}): Promise<string> {
    const claims = {
      iss: this.issuer,
      aud: CLIENT_ID,
      iat: Math.floor(Date.now() / 1000),
      jti: randomBytes(8).toString('hex'),
      sid: 'provider-sid-1',
      sub: 'u1',
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      ...options.claims,
    };
    const defined = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
    if (options.forgedAlg) return forged(options.forgedAlg, defined, { typ: 'logout+jwt', ...options.header });
    return new SignJWT(defined).setProtectedHeader({ alg: this.alg, kid: 'k1', typ: 'logout+jwt', ...options.header }).sign(options.key ?? this.#key);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (this.override?.(path, res)) return;
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (path === '/.well-known/openid-configuration') {
      return send(200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/oidc/auth`,
        token_endpoint: `${this.issuer}/oidc/token`,
        jwks_uri: `${this.issuer}/oidc/jwks`,
        end_session_endpoint: `${this.issuer}/oidc/session/end`,
        revocation_endpoint: `${this.issuer}/oidc/token/revocation`,
        id_token_signing_alg_values_supported: this.advertisedAlgs ?? [this.alg],
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (path === '/oidc/jwks') return send(200, { keys: [this.#jwk] });
    const form = new URLSearchParams(await bodyOf(req));
    if (path === '/oidc/token/revocation') {
      this.revoked.push(form.get('token') ?? '');
      for (const grant of this.grants.values()) if (grant.refreshToken === form.get('token')) grant.revoked = true;
      res.writeHead(200).end();
      return;
    }
    if (path !== '/oidc/token') return send(404, { error: 'not_found' });
    this.tokenCalls.push({ form, authorization: req.headers.authorization });
    if (req.headers.authorization !== `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`) {
      return send(401, { error: 'invalid_client' });
    }
    if (form.get('grant_type') === 'authorization_code') return send(...(await this.#exchange(form)));
    if (form.get('grant_type') === 'refresh_token') return send(...(await this.#refresh(form)));
    return send(400, { error: 'unsupported_grant_type' });
  }

  async #exchange(form: URLSearchParams): Promise<[number, unknown]> {
    const pending = this.#codes.get(form.get('code') ?? '');
    this.#codes.delete(form.get('code') ?? '');
    if (!pending || pending.redirectUri !== form.get('redirect_uri')) return [400, { error: 'invalid_grant' }];
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== pending.codeChallenge) return [400, { error: 'invalid_grant' }];
    this.#serial += 1;
    const grant: Grant = { sub: 'u1', role: 'MANAGER', sid: `s${this.#serial}`, providerSid: 'provider-sid-1', refreshToken: `rt-${this.#serial}`, revoked: false };
    this.grants.set(grant.sid, grant);
    return [200, await this.#tokens(grant, this.forgedNonce ?? pending.nonce)];
  }

  async #refresh(form: URLSearchParams): Promise<[number, unknown]> {
    const grant = [...this.grants.values()].find((candidate) => candidate.refreshToken === form.get('refresh_token'));
    if (!grant || grant.revoked) return [400, { error: 'invalid_grant', error_description: 'grant request is invalid' }];
    this.#serial += 1;
    grant.refreshToken = `rt-${this.#serial}`;
    return [200, await this.#tokens(grant, undefined)];
  }

  async #tokens(grant: Grant, nonce: string | undefined): Promise<Record<string, unknown>> {
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ sid: grant.sid, role: grant.role, scope: `openid ${scopesForRole(grant.role).join(' ')}`, client_id: CLIENT_ID })
      .setProtectedHeader({ alg: this.alg, kid: 'k1', typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience('portcullis')
      .setSubject(grant.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + this.accessTokenTtlSeconds)
      .setJti(randomBytes(8).toString('hex'))
      .sign(this.#key);
    const idClaims = {
      iss: this.issuer,
      aud: CLIENT_ID,
      sub: grant.sub,
      iat: now,
      exp: now + 3600,
      sid: grant.providerSid,
      email: 'maria@example.com',
      name: 'Maria',
      role: grant.role,
      ...(nonce ? { nonce } : {}),
    };
    const idToken = this.forgedIdTokenAlg
      ? await forged(this.forgedIdTokenAlg, idClaims, {})
      : await new SignJWT(idClaims).setProtectedHeader({ alg: this.alg, kid: 'k1' }).sign(this.#key);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.accessTokenTtlSeconds,
      refresh_token: grant.refreshToken,
      id_token: idToken,
      scope: `openid profile email offline_access ${scopesForRole(grant.role).join(' ')}`,
    };
  }
}

/** A token as a forger makes it: HMAC with the (known to the client) client secret, or not signed at all. */
async function forged(alg: ForgedAlg, claims: JWTPayload, header: Record<string, unknown>): Promise<string> {
  if (alg === 'HS256') return new SignJWT(claims).setProtectedHeader({ ...header, alg }).sign(new TextEncoder().encode(CLIENT_SECRET));
  const part = (value: unknown): string => base64url.encode(JSON.stringify(value));
  return `${part({ ...header, alg })}.${part(claims)}.`;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
