import type { FastifyReply, FastifyRequest } from 'fastify';
import { mfaTokenSchema } from '@portcullis/contracts';

/**
 * The mfaToken of a sign-in between its password and its second factor, kept by the browser that typed the password
 * and never shown to the page: httpOnly, Secure, SameSite=Strict, scoped to its own interaction's path (`__Secure-`,
 * since `__Host-` forbids a path; RFC 6265bis §4.1.3), and living no longer than the pending sign-in.
 */
const NAME = '__Secure-portcullis-op-mfa';

function attributes(interactionPath: string, maxAgeSeconds: number): string {
  return `Path=${interactionPath}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}

export function keepPendingSignIn(reply: FastifyReply, interactionPath: string, mfaToken: string, maxAgeSeconds: number): void {
  reply.header('set-cookie', `${NAME}=${mfaToken}; ${attributes(interactionPath, maxAgeSeconds)}`);
}

export function forgetPendingSignIn(reply: FastifyReply, interactionPath: string): void {
  reply.header('set-cookie', `${NAME}=; ${attributes(interactionPath, 0)}`);
}

/** The mfaToken the browser sent, when it has the shape of one; anything else is no token. */
export function pendingSignInToken(request: FastifyRequest): string | null {
  const header = request.headers.cookie ?? '';
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0 || pair.slice(0, separator).trim() !== NAME) continue;
    const value = pair.slice(separator + 1).trim();
    return mfaTokenSchema.safeParse(value).success ? value : null;
  }
  return null;
}
