import type { CallbacksOptions, Session } from 'next-auth';
import type { JWT } from 'next-auth/jwt';
import type { Role, Scope } from '@portcullis/contracts';
import { safeCallbackPath } from '../http/callback-url.js';
import { sessionEndsAt, sessionTokenSchema, type SessionToken } from '../tokens/session-token.js';

/** What the browser sees at `/api/auth/session` and `useSession()`: no refresh token, ever. */
export interface PortcullisSession extends Session {
  user: { id: string; email: string; name: string; role: Role };
  scopes: Scope[];
  accessTokenExpiresAt: number;
  expires: string;
  /** How the user signed in (RFC 8176 `amr`) and the resulting `acr`: for the UI, never for an access decision. */
  amr: string[];
  acr: string | null;
  /** Set when the access token has expired because the last refresh could not reach the backend. */
  error?: 'RefreshUnavailable';
  /** Only with `exposeAccessToken: true`. */
  accessToken?: string;
}

export interface CallbackOptions {
  appOrigin: string;
  exposeAccessToken: boolean;
  now: () => number;
}

function portcullisOf(user: unknown): SessionToken | null {
  if (user === null || typeof user !== 'object' || !('portcullis' in user)) return null;
  const parsed = sessionTokenSchema.safeParse(user.portcullis);
  return parsed.success ? parsed.data : null;
}

export function jwtCallback(): CallbacksOptions['jwt'] {
  return ({ token, user }) => {
    // Sign-in: the token is exactly the backend session, nothing NextAuth added (keeps the cookie small).
    if (user) {
      const fresh = portcullisOf(user);
      if (!fresh) throw new Error('sign-in without a backend session');
      return { ...fresh };
    }
    // Every later call returns the token unchanged. No refresh here: `getServerSession()` cannot write the
    // cookie, so a rotation here would be lost and replayed (next-auth #7558, #11853) — the proxy refreshes.
    // `trigger: "update"` data from the browser is ignored: clients never edit their own session.
    const parsed = sessionTokenSchema.safeParse(token);
    if (!parsed.success) throw new Error('session token is not a Portcullis session');
    return { ...parsed.data };
  };
}

export function sessionCallback(options: CallbackOptions): (params: { session: Session; token: JWT }) => PortcullisSession {
  return ({ session, token }) => {
    const parsed = sessionTokenSchema.parse(token);
    const expires = Math.min(Date.parse(session.expires), sessionEndsAt(parsed));
    const view: PortcullisSession = {
      user: { id: parsed.sub, email: parsed.email, name: parsed.name, role: parsed.role },
      scopes: parsed.scopes,
      accessTokenExpiresAt: parsed.accessTokenExpiresAt,
      expires: new Date(expires).toISOString(),
      amr: parsed.amr ?? [],
      acr: parsed.acr ?? null,
    };
    if (parsed.accessTokenExpiresAt <= options.now()) view.error = 'RefreshUnavailable';
    // Exposing the access token lets browser code call the API directly, but any XSS can then steal it
    // (RFC 9700 §4.14 / BFF pattern): off by default; the backend-for-frontend route is the alternative.
    if (options.exposeAccessToken) view.accessToken = parsed.accessToken;
    return view;
  };
}

export function redirectCallback(options: CallbackOptions): CallbacksOptions['redirect'] {
  // Only our own origin: a custom redirect callback is where open redirects come back (OWASP ASVS 5.0 §5.1.5).
  return ({ url }) => `${options.appOrigin}${safeCallbackPath(url, options.appOrigin)}`;
}
