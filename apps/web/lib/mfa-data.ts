import {
  mfaStatusSchema,
  passkeySchema,
  recoveryCodesSchema,
  totpEnrollmentSchema,
  webauthnOptionsSchema,
  type MfaStatus,
  type Passkey,
  type SecondFactorProof,
} from '@portcullis/contracts';
import { backendRefusal, BackendUnavailableError, changeAtBackend, readFromBackend } from '@portcullis/next';
import QRCode from 'qrcode';
import { z } from 'zod';
import { auth } from './auth';

/** The signed-in user's second factors, as `GET /v1/me/mfa` reports them. */
export async function myMfaStatus(): Promise<MfaStatus> {
  return readFromBackend(auth(), '/v1/me/mfa', mfaStatusSchema);
}

/** The signed-in user's factors, or none known when the service cannot say (the page then offers the password). */
export async function myMfaStatusOrNone(): Promise<MfaStatus> {
  try {
    return await myMfaStatus();
  } catch {
    return { totp: false, passkeys: 0, recoveryCodesLeft: 0, required: false };
  }
}

// `GET /v1/me/passkeys` answers the list; read a `{ passkeys }` wrapper too, so the page does not depend on the shape.
const passkeyListSchema = z.union([z.array(passkeySchema), z.object({ passkeys: z.array(passkeySchema) }).transform((answer) => answer.passkeys)]);

export async function myPasskeys(): Promise<Passkey[]> {
  return readFromBackend(auth(), '/v1/me/passkeys', passkeyListSchema);
}

/** A 2xx answer read with `schema`; one we cannot read counts as the service being unavailable. */
async function parsed<S extends z.ZodType>(schema: S, body: unknown): Promise<z.output<S>> {
  const answer = schema.safeParse(body);
  if (!answer.success) throw new BackendUnavailableError();
  return answer.data;
}

export interface TotpEnrolment {
  secret: string;
  otpauthUrl: string;
  /** The otpauth:// URL as a QR code (SVG in a data: URL), drawn here so the secret never goes to a third party. */
  qrCode: string;
}

// A POST without arguments still sends `{}`: the service's routes take a JSON object there, and nothing else.

/** Starts a TOTP enrolment (RFC 6238): a new secret, shown once, until a code from it confirms it. */
export async function startTotpEnrolment(accessToken: string): Promise<TotpEnrolment> {
  return withQrCode(await parsed(totpEnrollmentSchema, await changeAtBackend(auth(), { method: 'POST', path: '/v1/me/mfa/totp', accessToken, body: {} })));
}

/** Adds the QR code of the otpauth:// URL, drawn here as SVG. */
export async function withQrCode(enrolment: { secret: string; otpauthUrl: string }): Promise<TotpEnrolment> {
  const svg = await QRCode.toString(enrolment.otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret: enrolment.secret, otpauthUrl: enrolment.otpauthUrl, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

export async function confirmTotp(accessToken: string, code: string): Promise<string[]> {
  const body = await changeAtBackend(auth(), { method: 'POST', path: '/v1/me/mfa/totp/confirm', accessToken, body: { code } });
  return (await parsed(recoveryCodesSchema, body)).recoveryCodes;
}

export async function removeTotp(accessToken: string): Promise<void> {
  await changeAtBackend(auth(), { method: 'DELETE', path: '/v1/me/mfa/totp', accessToken });
}

/** Ten new recovery codes; the old ones stop working. */
export async function regenerateRecoveryCodes(accessToken: string): Promise<string[]> {
  const body = await changeAtBackend(auth(), { method: 'POST', path: '/v1/me/mfa/recovery-codes', accessToken, body: {} });
  return (await parsed(recoveryCodesSchema, body)).recoveryCodes;
}

/** `PublicKeyCredentialCreationOptionsJSON` for a new passkey of the signed-in user (WebAuthn L3 §5.4). */
export async function passkeyRegistrationOptions(accessToken: string): Promise<z.output<typeof webauthnOptionsSchema>> {
  return parsed(webauthnOptionsSchema, await changeAtBackend(auth(), { method: 'POST', path: '/v1/me/passkeys/options', accessToken, body: {} }));
}

export async function registerPasskey(accessToken: string, body: { name: string; response: unknown }): Promise<void> {
  await changeAtBackend(auth(), { method: 'POST', path: '/v1/me/passkeys', accessToken, body });
}

export async function removePasskey(accessToken: string, id: string): Promise<void> {
  await changeAtBackend(auth(), { method: 'DELETE', path: `/v1/me/passkeys/${encodeURIComponent(id)}`, accessToken });
}

/** `PublicKeyCredentialRequestOptionsJSON` to step up with one of the user's passkeys, bound to this session. */
export async function stepUpOptions(accessToken: string): Promise<z.output<typeof webauthnOptionsSchema>> {
  return parsed(webauthnOptionsSchema, await changeAtBackend(auth(), { method: 'POST', path: '/v1/auth/step-up/options', accessToken, body: {} }));
}

/** RFC 9470 step-up with a second factor: the session counts as freshly authenticated by it (the library's step-up). */
export async function stepUpWithFactor(accessToken: string, proof: SecondFactorProof): Promise<{ stepUpAt: number }> {
  return auth().stepUp({ accessToken, ...proof });
}

// The directory's `mfa` field of one user (the service adds it to every admin view of a user).
const userFactorsSchema = z.object({ users: z.array(z.looseObject({ id: z.string(), mfa: mfaStatusSchema.optional() })) });

/** Which second factors a user has, as an admin sees them; undefined when the service does not say. */
export async function factorsOfUser(userId: string): Promise<MfaStatus | undefined> {
  const page = await readFromBackend(auth(), `/v1/users?ids=${encodeURIComponent(userId)}&limit=1`, userFactorsSchema);
  return page.users[0]?.mfa;
}

async function adminChange(method: 'POST' | 'PUT', path: string, accessToken: string, body?: unknown): Promise<void> {
  const answer = await auth().backend.call({ method, path, accessToken, ...(body === undefined ? {} : { body }) });
  if (answer.status < 200 || answer.status >= 300) throw backendRefusal(answer);
}

/** An admin removes every second factor of a user who lost them all; the service audits it and mails the user. */
export async function resetFactorsOf(accessToken: string, userId: string): Promise<void> {
  await adminChange('POST', `/v1/users/${encodeURIComponent(userId)}/mfa/reset`, accessToken);
}

/** An admin requires (or stops requiring) a second factor of one user, whatever their role. */
export async function setMfaRequired(accessToken: string, userId: string, required: boolean): Promise<void> {
  await adminChange('PUT', `/v1/users/${encodeURIComponent(userId)}/mfa-required`, accessToken, { required });
}
