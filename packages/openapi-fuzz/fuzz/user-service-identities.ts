import type { TokenResponse } from '@portcullis/contracts';
import type { Identities, ObservedResponse, Secret, ValuePool } from '../src/index.js';

/** The demo accounts the fuzz signs in as (services/user-service/src/users/demo-users.ts), and a caller with none. */
const ACCOUNTS = { USER: 'alice@example.com', ADMIN: 'adam@example.com' } as const;
const ANONYMOUS = 'anonymous';
type AccountName = keyof typeof ACCOUNTS;

function isAccount(name: string): name is AccountName {
  return name in ACCOUNTS;
}

class SignInError extends Error {
  override readonly name = 'SignInError';
}

/**
 * USER, ADMIN and anonymous. Each account signs in on first use (POST /v1/auth/login: a fresh sign-in also satisfies
 * the admin routes' recent-authentication rule) and again after any 401 on its own token, since fuzzed requests may
 * revoke its session. The accounts' user ids are protected in the pool, so no fuzzed admin request disables or demotes
 * the accounts the rest of the run needs.
 */
export class UserServiceIdentities implements Identities {
  readonly names = ['USER', 'ADMIN', ANONYMOUS] as const;
  readonly headerNames = ['authorization'];
  private readonly sessions = new Map<AccountName, TokenResponse>();
  /** Every token issued in this run, replaced ones too: a finding printed later may show an older one. */
  private readonly issued: Secret[] = [];
  private readonly stale = new Set<AccountName>();
  private signIns = 0;

  constructor(private readonly options: { readonly baseUrl: string; readonly password: string; readonly pool: ValuePool }) {}

  private async signIn(name: AccountName): Promise<TokenResponse> {
    const response = await fetch(new URL('/v1/auth/login', this.options.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ACCOUNTS[name], password: this.options.password }),
    });
    if (response.status !== 200) throw new SignInError(`signing in as ${name} (${ACCOUNTS[name]}) answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    const tokens = (await response.json()) as TokenResponse;
    this.options.pool.protect(tokens.user.id);
    this.issued.push({ label: `${name} token`, value: tokens.accessToken }, { label: `${name} refresh token`, value: tokens.refreshToken });
    this.signIns += 1;
    return tokens;
  }

  async headers(name: string): Promise<Readonly<Record<string, string>>> {
    if (!isAccount(name)) return {};
    let tokens = this.sessions.get(name);
    if (tokens === undefined || this.stale.has(name)) {
      tokens = await this.signIn(name);
      this.sessions.set(name, tokens);
      this.stale.delete(name);
    }
    return { authorization: `Bearer ${tokens.accessToken}` };
  }

  /** Only a refused token ends a session: a 401 for a wrong password or app credential leaves it as it was. */
  observe(name: string, response: ObservedResponse): void {
    if (response.status === 401 && isAccount(name) && /"error"\s*:\s*"invalid_token"/.test(response.body)) this.stale.add(name);
  }

  /** How often the accounts signed in (once each, plus once per session the fuzz ended). */
  get signInCount(): number {
    return this.signIns;
  }

  secrets(): readonly Secret[] {
    return this.issued;
  }
}
