import {
  errorBodySchema,
  mfaStatusSchema,
  passkeyNameSchema,
  passkeySchema,
  recoveryCodesSchema,
  registrationResponseSchema,
  totpCodeSchema,
  totpEnrollmentSchema,
  webauthnOptionsSchema,
  type MfaStatus,
  type Passkey,
  type RegistrationResponse,
} from '@portcullis/contracts';
import { z } from 'zod';
import { backendRefusal, type BackendResponse } from '../backend/backend-refusal.js';
import { BackendUnavailableError, InvalidInputError, MfaExpiredError, UnauthenticatedError, type PortcullisError } from '../errors.js';

/** What an authenticator app needs: the secret as text (typed in by hand) and as an `otpauth://` URL (for a QR code). */
export type TotpEnrollment = z.infer<typeof totpEnrollmentSchema>;
/** `PublicKeyCredentialCreationOptionsJSON` for `createPasskey` in the browser. */
export type PasskeyRegistrationOptions = z.infer<typeof webauthnOptionsSchema>;

/** One call of the factor routes, made with whichever credential the caller holds (session token or enrolment token). */
export type FactorCall = (request: { method: 'GET' | 'POST' | 'DELETE'; path: string; body?: unknown }) => Promise<BackendResponse>;

/**
 * Setting up second factors: the calls are the same whether a signed-in user adds one on their security page or a user
 * who must enrol does so before any session exists; only the credential differs. Each throws a typed error:
 * `InvalidMfaError` (the confirming code is wrong), `StepUpRequiredError` (the service wants a fresh proof first),
 * `InvalidInputError`, `RateLimitedError`, `MfaExpiredError` / `UnauthenticatedError` (the credential is gone).
 */
export interface FactorEnrolment {
  /** Starts TOTP enrolment (RFC 6238): the secret, not active until `confirmTotp` proves the app has it. */
  startTotp(): Promise<TotpEnrollment>;
  /** Confirms TOTP with one current code; answers the 10 recovery codes, shown once and never again. */
  confirmTotp(code: string): Promise<string[]>;
  passkeyRegistrationOptions(): Promise<PasskeyRegistrationOptions>;
  /** Registers the passkey the browser created (`createPasskey`'s JSON text, or the parsed object) under a name. */
  registerPasskey(input: { name: string; response: string | RegistrationResponse }): Promise<{ id: string }>;
}

const passkeyListSchema = z.union([z.object({ passkeys: z.array(passkeySchema) }).transform((answer) => answer.passkeys), z.array(passkeySchema)]);
const createdSchema = z.object({ id: z.string().min(1) });

export function factorEnrolment(call: FactorCall, credential: 'session' | 'enrolment'): FactorEnrolment {
  const read = readerFor(credential);
  return {
    async startTotp() {
      return read(await call({ method: 'POST', path: '/v1/me/mfa/totp', body: {} }), totpEnrollmentSchema);
    },
    async confirmTotp(code) {
      const parsed = totpCodeSchema.safeParse(code.replace(/\s/g, ''));
      if (!parsed.success) throw new InvalidInputError(['code']);
      return (await read(await call({ method: 'POST', path: '/v1/me/mfa/totp/confirm', body: { code: parsed.data } }), recoveryCodesSchema)).recoveryCodes;
    },
    async passkeyRegistrationOptions() {
      return read(await call({ method: 'POST', path: '/v1/me/passkeys/options', body: {} }), webauthnOptionsSchema);
    },
    async registerPasskey({ name, response }) {
      const body = registrationBody(name, response);
      return read(await call({ method: 'POST', path: '/v1/me/passkeys', body }), createdSchema);
    },
  };
}

/** The signed-in user's factors beyond enrolment: status, removal, new recovery codes, the passkey list. */
export interface FactorManagement extends FactorEnrolment {
  status(): Promise<MfaStatus>;
  removeTotp(): Promise<void>;
  /** New recovery codes; the old ones stop working at once. */
  regenerateRecoveryCodes(): Promise<string[]>;
  listPasskeys(): Promise<Passkey[]>;
  removePasskey(id: string): Promise<void>;
}

const PASSKEY_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function factorManagement(call: FactorCall): FactorManagement {
  const read = readerFor('session');
  return {
    ...factorEnrolment(call, 'session'),
    async status() {
      return read(await call({ method: 'GET', path: '/v1/me/mfa' }), mfaStatusSchema);
    },
    async removeTotp() {
      done(await call({ method: 'DELETE', path: '/v1/me/mfa/totp' }), 'session');
    },
    async regenerateRecoveryCodes() {
      return (await read(await call({ method: 'POST', path: '/v1/me/mfa/recovery-codes', body: {} }), recoveryCodesSchema)).recoveryCodes;
    },
    async listPasskeys() {
      return read(await call({ method: 'GET', path: '/v1/me/passkeys' }), passkeyListSchema);
    },
    async removePasskey(id) {
      if (!PASSKEY_ID.test(id)) throw new InvalidInputError(['id']);
      done(await call({ method: 'DELETE', path: `/v1/me/passkeys/${id}` }), 'session');
    },
  };
}

function registrationBody(name: string, response: string | RegistrationResponse): { name: string; response: RegistrationResponse } {
  const parsedName = passkeyNameSchema.safeParse(name);
  let raw: unknown = response;
  if (typeof response === 'string') {
    try {
      raw = JSON.parse(response) as unknown;
    } catch {
      raw = null;
    }
  }
  const parsedResponse = registrationResponseSchema.safeParse(raw);
  const fields = [...(parsedName.success ? [] : ['name']), ...(parsedResponse.success ? [] : ['response'])];
  if (!parsedName.success || !parsedResponse.success) throw new InvalidInputError(fields);
  return { name: parsedName.data, response: parsedResponse.data };
}

type Reader = <S extends z.ZodType>(answer: BackendResponse, schema: S) => Promise<z.output<S>>;

/** A 2xx read with `schema` (a 2xx we cannot read counts as an outage), or the typed refusal. */
function readerFor(credential: 'session' | 'enrolment'): Reader {
  return async (answer, schema) => {
    done(answer, credential);
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new BackendUnavailableError();
    return parsed.data;
  };
}

/** Throws the typed refusal unless the answer is a 2xx. */
export function done(answer: BackendResponse, credential: 'session' | 'enrolment'): void {
  if (answer.status < 200 || answer.status >= 300) throw factorRefusal(answer, credential);
}

export function factorRefusal(answer: BackendResponse, credential: 'session' | 'enrolment'): PortcullisError {
  const body = errorBodySchema.safeParse(answer.body);
  const code = body.success ? body.data.error : undefined;
  // The credential itself is gone: an enrolment starts over with the password, a session signs in again.
  if (code === 'invalid_token') return credential === 'enrolment' ? new MfaExpiredError() : new UnauthenticatedError();
  if (code === 'invalid_request') return new InvalidInputError([]);
  return backendRefusal(answer);
}
