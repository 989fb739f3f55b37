import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER, canonicalAddress } from '@portcullis/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The browser's address as this service believes it: what an app instance with a valid credential says, else
     * the socket's peer (or the right-most untrusted `X-Forwarded-For` hop when TRUST_PROXY names the peer).
     */
    clientAddress: string;
    /** The request carries a valid app credential: it comes from one of our app instances. */
    fromApp: boolean;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Whether `presented` is one of the credentials, without an early exit that would tell which one or how close. */
function knownCredential(presented: string, credentials: readonly Buffer[]): boolean {
  const candidate = digest(presented);
  let known = false;
  // Compare every credential, digest against digest, so the time taken says nothing about the presented value
  // (OWASP ASVS 5.0 §11.2.4).
  for (const credential of credentials) known = timingSafeEqual(candidate, credential) || known;
  return known;
}

function headerText(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Decides, once per request, whose address the service sees. Only an app instance can vouch for a browser's address:
 * the address header counts next to a valid app credential and is ignored without one, so a browser or any other
 * caller cannot choose the address that throttles, audit and device sessions record (OWASP ASVS 5.0 §13.2). A wrong
 * credential is refused rather than ignored: it is a misconfigured app or someone probing for one.
 */
export function registerClientAddress(app: FastifyInstance, appCredentials: readonly string[]): void {
  const credentials = appCredentials.map(digest);
  app.decorateRequest('clientAddress', '');
  app.decorateRequest('fromApp', false);
  app.addHook('onRequest', (request, _reply, done) => {
    // One spelling per address, whoever names it, so audit filters and counters compare like with like.
    request.clientAddress = canonicalAddress(request.ip) ?? request.ip;
    const presented = headerText(request, APP_CREDENTIAL_HEADER);
    if (presented === undefined) {
      done();
      return;
    }
    if (!knownCredential(presented, credentials)) {
      done(new ApiError('invalid_app_credential', 'The app credential is not valid.', { detail: 'unknown app credential' }));
      return;
    }
    request.fromApp = true;
    const claimed = headerText(request, CLIENT_ADDRESS_HEADER);
    const address = claimed === undefined ? undefined : canonicalAddress(claimed);
    if (address !== undefined) request.clientAddress = address;
    done();
  });
}

/** Refuses a call that only an app instance may make (OWASP ASVS 5.0 §8.3.1). */
export function requireApp(request: FastifyRequest): void {
  if (!request.fromApp) throw new ApiError('invalid_app_credential', 'Only an app instance may make this call.', { detail: 'app credential missing' });
}

/**
 * The headers an app instance adds to the calls it makes for a browser, declared on the routes it calls that way. Any
 * route honours them; a wrong credential is refused everywhere, before the route's own checks.
 */
export const appHeaders = z.looseObject({
  [APP_CREDENTIAL_HEADER]: z.string().optional().describe("One of the service's APP_CREDENTIALS: the call comes from an app instance."),
  [CLIENT_ADDRESS_HEADER]: z.string().optional().describe('The browser address the app instance saw; believed only next to a valid app credential.'),
});

/** `appHeaders` on a route only an app instance may call (access rule `fromApp`): the credential is required there. */
export const appCallerHeaders = appHeaders.extend({
  [APP_CREDENTIAL_HEADER]: z.string().describe("One of the service's APP_CREDENTIALS: only an app instance may make this call."),
});
