import { webauthnOptionsSchema } from '@portcullis/contracts';
import { NextResponse } from 'next/server';
import { backendRefusal } from '../backend/backend-refusal.js';
import type { ClientInfoReader } from '../backend/client-info.js';
import { WEBAUTHN_CEREMONY_HEADER, type MfaCallCredential, type UserServiceClient } from '../backend/user-service-client.js';
import { BackendUnavailableError, InvalidInputError, isPortcullisError, MfaExpiredError } from '../errors.js';
import type { Guards } from '../guards/guards.js';
import type { Logger } from '../logging/logger.js';
import type { MfaCookies } from '../mfa/mfa-cookies.js';
import { errorResponse } from './error-response.js';

/** Why the browser wants a WebAuthn challenge: finish a sign-in, sign in without a password, or step up. */
export const WEBAUTHN_PURPOSES = ['second_factor', 'passkey', 'step_up'] as const;
export type WebAuthnPurpose = (typeof WEBAUTHN_PURPOSES)[number];

export interface WebAuthnOptionsRouteParts {
  backend: UserServiceClient;
  mfaCookies: MfaCookies;
  guards: Pick<Guards, 'getAccessToken'>;
  clientInfo: ClientInfoReader;
  logger: Logger;
}

/**
 * `POST /api/auth/webauthn/options?purpose=…` (same-origin checked by the auth route): the WebAuthn request options for
 * `startAuthentication`, fetched server-side with what only the server holds — the pending sign-in's `mfaToken` (from
 * its sealed cookie), the session's access token, or nothing for a passwordless sign-in, whose ceremony binding the
 * service sends in a header and which goes into its own sealed httpOnly cookie, so the assertion can only finish the
 * ceremony this browser started (WebAuthn L3 §13.4.3). The options themselves hold no secret: a challenge and the
 * relying party's id.
 */
export function createWebAuthnOptionsRoute(parts: WebAuthnOptionsRouteParts): (request: Request) => Promise<Response> {
  const { backend, mfaCookies, guards, clientInfo, logger } = parts;

  async function optionsFor(request: Request, purpose: WebAuthnPurpose): Promise<{ options: unknown; ceremony?: string }> {
    const client = clientInfo.of(request.headers);
    let path: string;
    let credential: MfaCallCredential = null;
    let body: unknown = {};
    if (purpose === 'second_factor') {
      const pending = await mfaCookies.pendingMfaOf(request.headers.get('cookie'));
      if (pending === null || pending.stage !== 'second_factor') throw new MfaExpiredError();
      path = '/v1/auth/login/mfa/options';
      body = { mfaToken: pending.mfaToken };
    } else if (purpose === 'step_up') {
      const accessToken = await guards.getAccessToken();
      if (accessToken === null) throw new MfaExpiredError();
      path = '/v1/auth/step-up/options';
      credential = { accessToken };
    } else {
      path = '/v1/auth/passkey/options';
    }
    const answer = await backend.mfaCall({ method: 'POST', path, credential, body, client });
    if (answer.status < 200 || answer.status >= 300) throw backendRefusal(answer);
    const options = webauthnOptionsSchema.safeParse(answer.body);
    if (!options.success) throw new BackendUnavailableError();
    if (purpose !== 'passkey') return { options: options.data };
    const ceremony = answer.headers.get(WEBAUTHN_CEREMONY_HEADER);
    // Without its binding the assertion could never be accepted: an answer we cannot use.
    if (ceremony === null) throw new BackendUnavailableError();
    return { options: options.data, ceremony };
  }

  return async function webauthnOptions(request) {
    const purpose = WEBAUTHN_PURPOSES.find((candidate) => candidate === new URL(request.url).searchParams.get('purpose'));
    try {
      if (purpose === undefined) throw new InvalidInputError(['purpose']);
      const { options, ceremony } = await optionsFor(request, purpose);
      const response = NextResponse.json(options, { headers: { 'cache-control': 'no-store' } });
      if (ceremony !== undefined) {
        const cookie = await mfaCookies.ceremonyCookie({ ceremony });
        response.cookies.set(cookie.name, cookie.value, cookie.attributes);
      }
      return response;
    } catch (error) {
      logger.warn(
        { event: 'webauthn.options_refused', purpose: purpose ?? 'unknown', reason: isPortcullisError(error) ? error.code : 'unexpected' },
        'no WebAuthn options',
      );
      return errorResponse(error, logger);
    }
  };
}
