import type { Role, Scope } from '@portcullis/contracts';
import { sessionEndsAt, type SessionToken } from '../tokens/session-token.js';

/** The session as server code sees it. No tokens: `getAccessToken()` hands those out deliberately. */
export interface ServerSession {
  user: { id: string; email: string; name: string; role: Role };
  scopes: readonly Scope[];
  sid: string;
  accessTokenExpiresAt: number;
  /** When the proxy will refresh the access token next. */
  refreshAt: number;
  /** Absolute end of the session. */
  expiresAt: number;
  /** RFC 8176 methods of the sign-in (`pwd`, `otp`, `hwk`, `swk`, `user`, `mfa`); empty when the backend named none. */
  amr: readonly string[];
  /** The sign-in's `acr`: single-factor or multi-factor (ACR_VALUES), or `null` when the backend named none. */
  acr: string | null;
  /** When the last factor was proven (epoch ms), or `null` when unknown. */
  authTime: number | null;
  /** Whether more than one factor was proven (`mfa` in `amr`). */
  mfa: boolean;
}

export function serverSessionOf(token: SessionToken): ServerSession {
  return {
    user: { id: token.sub, email: token.email, name: token.name, role: token.role },
    scopes: token.scopes,
    sid: token.sid,
    accessTokenExpiresAt: token.accessTokenExpiresAt,
    refreshAt: token.refreshAt,
    expiresAt: sessionEndsAt(token),
    amr: token.amr ?? [],
    acr: token.acr ?? null,
    authTime: token.authTime ?? null,
    mfa: token.amr?.includes('mfa') ?? false,
  };
}
