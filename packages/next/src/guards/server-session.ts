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
}

export function serverSessionOf(token: SessionToken): ServerSession {
  return {
    user: { id: token.sub, email: token.email, name: token.name, role: token.role },
    scopes: token.scopes,
    sid: token.sid,
    accessTokenExpiresAt: token.accessTokenExpiresAt,
    refreshAt: token.refreshAt,
    expiresAt: sessionEndsAt(token),
  };
}
