import { hkdf } from 'node:crypto';
import { promisify } from 'node:util';
import { jwtDecrypt, type JWTPayload } from 'jose';

const derive = promisify(hkdf);

/**
 * Opens the web app's session cookie the way NextAuth v4's `decode` does (JWE dir + A256GCM, key from HKDF-SHA-256
 * of the secret with NextAuth's label), for tests that play a thief holding what the cookie holds. Written against
 * jose rather than importing `next-auth/jwt`, whose types drag Next's globals into the bench.
 */
export async function openSessionCookie(cookieHeader: string, secret: string): Promise<JWTPayload> {
  const value = /(?:^|; )(?:__Host-)?next-auth\.session-token=([^;]+)/.exec(cookieHeader)?.[1];
  if (value === undefined) throw new Error('no session cookie');
  const key = new Uint8Array(await derive('sha256', secret, '', 'NextAuth.js Generated Encryption Key', 32));
  return (await jwtDecrypt(value, key, { clockTolerance: 15 })).payload;
}
