import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { APP_CREDENTIAL_HEADER, type TokenResponse } from '@portcullis/contracts';
import type { RouteOptions } from 'fastify';
import { testBackends } from '../test-support/databases.js';
import { ADAM, ALICE, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { METRICS_SCRAPER, PUBLIC, signedIn, type AccessRule } from './access-rule.js';

const APP_CREDENTIAL = 'app-credential-of-the-route-declaration-tests-0123';

/** How a caller fares at the access rule: refused there (401, 403), or let through to validation and the handler. */
type AtTheDoor = 401 | 403 | 'through';

interface AuthorizationRow {
  readonly rule: AccessRule;
  readonly anonymous: AtTheDoor;
  readonly user: AtTheDoor;
  readonly admin: AtTheDoor;
}

const open: Omit<AuthorizationRow, 'rule'> = { anonymous: 'through', user: 'through', admin: 'through' };
const signedInOnly: Omit<AuthorizationRow, 'rule'> = { anonymous: 401, user: 'through', admin: 'through' };
const adminOnly: Omit<AuthorizationRow, 'rule'> = { anonymous: 401, user: 403, admin: 'through' };

/**
 * The authorization table of the API, in one place: who may call each route. The routes' own declarations must say
 * exactly this, and the service must answer each kind of caller as it says.
 */
const AUTHORIZATION: Readonly<Record<string, AuthorizationRow>> = {
  'GET /.well-known/jwks.json': { rule: PUBLIC, ...open },
  'GET /healthz': { rule: PUBLIC, ...open },
  'GET /readyz': { rule: PUBLIC, ...open },
  // Loopback callers (these tests) may scrape; elsewhere only the scrape token.
  'GET /metrics': { rule: METRICS_SCRAPER, ...open },
  'GET /openapi.json': { rule: PUBLIC, ...open },
  'POST /v1/auth/login': { rule: PUBLIC, ...open },
  // The mfaToken of the password step is the credential of the second step.
  'POST /v1/auth/login/mfa': { rule: PUBLIC, ...open },
  'POST /v1/auth/refresh': { rule: PUBLIC, ...open },
  'POST /v1/auth/logout': { rule: PUBLIC, ...open },
  'POST /v1/auth/step-up': { rule: signedIn(), ...signedInOnly },
  // Passkeys (docs/mfa.md "Passkeys"): the passwordless ones are bound to a browser's ceremony value or a pending sign-in.
  'POST /v1/auth/step-up/options': { rule: signedIn(), ...signedInOnly },
  'POST /v1/auth/login/mfa/options': { rule: PUBLIC, ...open },
  'POST /v1/auth/passkey/options': { rule: PUBLIC, ...open },
  'POST /v1/auth/passkey': { rule: PUBLIC, ...open },
  // As the TOTP enrolment: a recent session, or the enrolment mfaToken (`Authorization: MFA`), checked by the routes.
  'POST /v1/me/passkeys/options': { rule: PUBLIC, ...signedInOnly },
  'POST /v1/me/passkeys': { rule: PUBLIC, ...signedInOnly },
  'GET /v1/me/passkeys': { rule: signedIn({ scope: 'sessions:manage' }), ...signedInOnly },
  'DELETE /v1/me/passkeys/:id': { rule: signedIn({ scope: 'sessions:manage', recentAuthentication: true }), ...signedInOnly },
  // The account flows: the mailed link, or the address's mailbox, is what these rely on (docs/accounts.md).
  'POST /v1/auth/password/forgot': { rule: PUBLIC, ...open },
  'POST /v1/auth/password/reset': { rule: PUBLIC, ...open },
  'POST /v1/auth/signup': { rule: PUBLIC, ...open },
  'POST /v1/auth/email/verify': { rule: PUBLIC, ...open },
  'POST /v1/auth/email/verify/resend': { rule: PUBLIC, ...open },
  'POST /v1/auth/invitations/accept': { rule: PUBLIC, ...open },
  'POST /v1/users/invitations': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true }), ...adminOnly },
  'GET /v1/me': { rule: signedIn({ scope: 'profile:read' }), ...signedInOnly },
  'GET /v1/me/mfa': { rule: signedIn({ scope: 'profile:read' }), ...signedInOnly },
  // A session, or the enrolment mfaToken (`Authorization: MFA`) of a sign-in that must enrol first: checked by the routes.
  'POST /v1/me/mfa/totp': { rule: PUBLIC, ...signedInOnly },
  'POST /v1/me/mfa/totp/confirm': { rule: PUBLIC, ...signedInOnly },
  'DELETE /v1/me/mfa/totp': { rule: signedIn({ scope: 'sessions:manage', session: 'fresh', recentAuthentication: true }), ...signedInOnly },
  'POST /v1/me/mfa/recovery-codes': { rule: signedIn({ scope: 'sessions:manage', session: 'fresh', recentAuthentication: true }), ...signedInOnly },
  'GET /v1/auth/session': { rule: signedIn({ session: 'fresh' }), ...signedInOnly },
  'GET /v1/auth/sessions': { rule: signedIn({ scope: 'sessions:manage' }), ...signedInOnly },
  'DELETE /v1/auth/sessions/:id': { rule: signedIn({ scope: 'sessions:manage' }), ...signedInOnly },
  'POST /v1/audit/denials': { rule: signedIn({ fromApp: true }), ...signedInOnly },
  'POST /v1/me/password': { rule: signedIn({ scope: 'sessions:manage', session: 'fresh' }), ...signedInOnly },
  'POST /v1/me/email': { rule: signedIn({ scope: 'sessions:manage', session: 'fresh' }), ...signedInOnly },
  // The token from the link in the mail is the credential of these two.
  'POST /v1/auth/email/confirm': { rule: PUBLIC, ...open },
  'POST /v1/auth/email/cancel': { rule: PUBLIC, ...open },
  'GET /v1/users': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin' }), ...adminOnly },
  'PATCH /v1/users/:id': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true }), ...adminOnly },
  'DELETE /v1/users/:id/sessions': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true }), ...adminOnly },
  'GET /v1/users/:id/events': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin' }), ...adminOnly },
  'GET /v1/users/:id': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin' }), ...adminOnly },
  'POST /v1/users/:id/mfa/reset': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true }), ...adminOnly },
  'PUT /v1/users/:id/mfa-required': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true }), ...adminOnly },
  'POST /v1/users/:id/invitation/resend': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true }), ...adminOnly },
  'POST /v1/users/:id/password-reset': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin', recentAuthentication: true }), ...adminOnly },
  'GET /v1/audit': { rule: signedIn({ role: 'ADMIN', scope: 'audit:read' }), ...adminOnly },
  'GET /v1/audit/stats': { rule: signedIn({ role: 'ADMIN', scope: 'audit:read' }), ...adminOnly },
  'GET /v1/audit/top': { rule: signedIn({ role: 'ADMIN', scope: 'audit:read' }), ...adminOnly },
  'GET /v1/alerts': { rule: signedIn({ role: 'ADMIN', scope: 'audit:read' }), ...adminOnly },
  'GET /v1/stats/sessions': { rule: signedIn({ role: 'ADMIN', scope: 'audit:read' }), ...adminOnly },
  'GET /v1/admin/mail': { rule: signedIn({ role: 'ADMIN', scope: 'users:admin' }), ...adminOnly },
  'POST /v1/requests': { rule: signedIn({ scope: 'requests:write' }), ...signedInOnly },
  'GET /v1/requests': { rule: signedIn({ scope: 'requests:write' }), ...signedInOnly },
  'GET /v1/requests/:id': { rule: signedIn({ scope: 'requests:write' }), ...signedInOnly },
  'POST /v1/requests/:id/approval-requests': { rule: signedIn({ scope: 'requests:write' }), ...signedInOnly },
  'POST /v1/requests/:id/approval': { rule: signedIn({ scope: 'requests:write' }), ...signedInOnly },
  // The ticket from the approver's own password check is the credential of these two.
  'POST /v1/approvals/sign-in': { rule: PUBLIC, ...open },
  'POST /v1/approvals/decisions': { rule: PUBLIC, ...open },
  // Userinfo takes the provider's tokens (granted `openid`); the API's own tokens never are.
  'GET /oidc/me': { rule: signedIn({ scope: 'openid' }), anonymous: 401, user: 403, admin: 403 },
  'POST /oidc/me': { rule: signedIn({ scope: 'openid' }), anonymous: 401, user: 403, admin: 403 },
};

/**
 * Routes left out of the API document, each for a reason; they still declare an access rule. The provider's endpoints
 * and sign-in pages are described by its discovery document, the reference pages are not API operations.
 */
const UNDOCUMENTED = new Set([
  'GET /.well-known/openid-configuration',
  'POST /.well-known/openid-configuration',
  'OPTIONS /.well-known/openid-configuration',
  'GET /oidc/*',
  'POST /oidc/*',
  'OPTIONS /oidc/*',
  'GET /oidc/interaction/:uid',
  'POST /oidc/interaction/:uid/login',
  'GET /oidc/interaction/:uid/mfa',
  'POST /oidc/interaction/:uid/mfa',
  'POST /oidc/interaction/:uid/mfa/passkey-options',
  'GET /oidc/me',
  'POST /oidc/me',
  'OPTIONS *',
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/json',
  'GET /docs/yaml',
  'GET /docs/static/index.html',
  'GET /docs/static/swagger-initializer.js',
  'GET /docs/static/*',
]);

function isHidden(route: RouteOptions): boolean {
  return (route.schema as { hide?: boolean } | undefined)?.hide === true;
}

function statusesOf(route: RouteOptions): number[] {
  return Object.keys((route.schema?.response ?? {}) as Record<string, unknown>).map(Number);
}

/** The request that reaches `route` with harmless input: ids that exist nowhere, an empty body. */
function requestFor(name: string): { method: string; path: string } {
  const [method = 'GET', url = '/'] = name.split(' ');
  return { method, path: url.replace(/:[a-z]+/g, randomUUID()) };
}

describe.each(testBackends().slice(0, 1))('route declarations on $name', (backend) => {
  let instance: TestInstance;
  let alice: TokenResponse;
  let adam: TokenResponse;

  beforeAll(async () => {
    instance = await startTestInstance(backend, { APP_CREDENTIALS: APP_CREDENTIAL });
    alice = await instance.login(ALICE);
    adam = await instance.login(ADAM);
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('gives every registered route an access rule', () => {
    const undecided = instance.declarations.filter(({ route }) => route.config?.access === undefined).map(({ name }) => name);
    expect(undecided).toEqual([]);
  });

  it('declares a success and the refusals of every documented route, and documents every route not listed as undocumented', () => {
    const documented = instance.declarations.filter(({ route }) => !isHidden(route));
    const incomplete = documented.filter(({ route }) => {
      const statuses = statusesOf(route);
      return !statuses.some((status) => status < 300) || !statuses.includes(400) || !statuses.includes(500);
    });
    expect(incomplete.map(({ name }) => name)).toEqual([]);
    const hidden = instance.declarations.filter(({ route }) => isHidden(route)).map(({ name }) => name);
    expect(hidden.filter((name) => !UNDOCUMENTED.has(name))).toEqual([]);
    expect([...UNDOCUMENTED].filter((name) => !hidden.includes(name))).toEqual([]);
  });

  it('has the authorization table say what every route declares, and a row for each route of the API', () => {
    const declared = new Map(instance.declarations.map(({ name, route }) => [name, route.config?.access] as const));
    const api = [...declared.keys()].filter((name) => !UNDOCUMENTED.has(name) || name in AUTHORIZATION);
    expect(api.filter((name) => !(name in AUTHORIZATION))).toEqual([]);
    for (const [name, row] of Object.entries(AUTHORIZATION)) expect({ name, rule: declared.get(name) }).toEqual({ name, rule: row.rule });
  });

  describe.each(Object.entries(AUTHORIZATION))('%s', (name, row) => {
    const callers = [
      ['an anonymous caller', row.anonymous, () => undefined],
      ['a USER', row.user, () => alice.accessToken],
      ['an ADMIN', row.admin, () => adam.accessToken],
    ] as const;

    it.each(callers)('answers %s as the table says (%s)', async (_who, expected, token) => {
      const { method, path } = requestFor(name);
      const response = await instance.request(path, {
        method,
        headers: { [APP_CREDENTIAL_HEADER]: APP_CREDENTIAL },
        ...(token() === undefined ? {} : { token: token() }),
        ...(method === 'GET' || method === 'DELETE' ? {} : { json: {} }),
      });
      const refusal = response.status === 401 || response.status === 403 ? ((await response.json()) as { error: string }).error : null;
      if (expected === 'through') {
        // Past the door: what follows is the route's own answer (400 for the empty body, 404 for the unknown id, …).
        expect({ status: response.status, refusal }).not.toMatchObject({ refusal: expect.stringMatching(/^(invalid_token|insufficient_scope)$/) });
      } else {
        expect({ status: response.status, refusal }).toEqual({ status: expected, refusal: expected === 401 ? 'invalid_token' : 'insufficient_scope' });
      }
    });
  });
});
