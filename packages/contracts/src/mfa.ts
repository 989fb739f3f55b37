import { z } from 'zod';
import { tokenResponseSchema } from './api.js';
import { approverSignInBodySchema, stepUpBodySchema } from './wire.js';

/**
 * Authentication method references (RFC 8176 §2) the service puts in `amr`: `pwd` a password, `otp` a one-time code
 * (TOTP or a recovery code), `hwk` a hardware-bound key (a device-bound passkey), `swk` a software key (a synced
 * passkey), `user` user verification by the authenticator, `mfa` more than one factor.
 */
export const AMR_VALUES = ['pwd', 'otp', 'hwk', 'swk', 'user', 'mfa'] as const;
export type AmrValue = (typeof AMR_VALUES)[number];

export function isAmrValue(value: string): value is AmrValue {
  return (AMR_VALUES as readonly string[]).includes(value);
}

/** `acr` values (OpenID Connect Core §2): one factor, or more than one. */
export const ACR_VALUES = { singleFactor: 'urn:portcullis:acr:1fa', multiFactor: 'urn:portcullis:acr:mfa' } as const;
export type AcrValue = (typeof ACR_VALUES)[keyof typeof ACR_VALUES];

/** The `acr` of a sign-in proven by these methods: multi-factor when `mfa` is among them. */
export function acrOf(amr: readonly string[]): AcrValue {
  return amr.includes('mfa') ? ACR_VALUES.multiFactor : ACR_VALUES.singleFactor;
}

/** The second factors a sign-in may finish with. */
export const MFA_METHODS = ['webauthn', 'totp', 'recovery_code'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

/** An `mfaToken`: 32 random bytes, base64url. */
export const mfaTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
/** A TOTP code (RFC 6238, 6 digits). */
export const totpCodeSchema = z.string().regex(/^\d{6}$/);
/** A recovery code as shown to the user: 10 base32 characters, grouped `xxxxx-xxxxx`; case and the dash are forgiven. */
export const recoveryCodeSchema = z.string().regex(/^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$/);

const base64url = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .max(max);

/** SimpleWebAuthn's `AuthenticationResponseJSON` (WebAuthn L3 §5.1.4), bounded. */
export const authenticationResponseSchema = z.object({
  id: base64url(1366).min(1),
  rawId: base64url(1366).min(1),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(2048),
    userHandle: base64url(128).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
});
export type AuthenticationResponse = z.infer<typeof authenticationResponseSchema>;

/** SimpleWebAuthn's `RegistrationResponseJSON` (WebAuthn L3 §5.1.3), bounded. */
export const registrationResponseSchema = z.object({
  id: base64url(1366).min(1),
  rawId: base64url(1366).min(1),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(16_384),
    authenticatorData: base64url(8192).optional(),
    transports: z
      .array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']))
      .max(8)
      .optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(4096).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
});
export type RegistrationResponse = z.infer<typeof registrationResponseSchema>;

/** `PublicKeyCredentialRequestOptionsJSON` / `...CreationOptionsJSON`: passed to the browser as they are. */
export const webauthnOptionsSchema = z.looseObject({ challenge: z.string() });

/** `POST /v1/auth/login` when the password was right but a second factor is owed: no token of any kind yet. */
export const mfaRequiredSchema = z.object({ mfaRequired: z.literal(true), mfaToken: mfaTokenSchema, methods: z.array(z.enum(MFA_METHODS)).min(1) });
/** `POST /v1/auth/login` for a user who must enrol a second factor first (MFA_REQUIRED_ROLES, or an admin's requirement). */
export const enrollmentRequiredSchema = z.object({ enrollmentRequired: z.literal(true), mfaToken: mfaTokenSchema });
/** Every answer of `POST /v1/auth/login`. */
export const loginAnswerSchema = z.union([tokenResponseSchema, mfaRequiredSchema, enrollmentRequiredSchema]);
export type MfaRequired = z.infer<typeof mfaRequiredSchema>;
export type EnrollmentRequired = z.infer<typeof enrollmentRequiredSchema>;
export type LoginAnswer = z.infer<typeof loginAnswerSchema>;

/** One proof of a second factor: exactly one of a TOTP code, a recovery code or a WebAuthn assertion. */
export const secondFactorProofSchema = z.union([
  z.strictObject({ totp: totpCodeSchema }),
  z.strictObject({ recoveryCode: recoveryCodeSchema }),
  z.strictObject({ webauthn: authenticationResponseSchema }),
]);
export type SecondFactorProof = z.infer<typeof secondFactorProofSchema>;

/** Body of `POST /v1/auth/login/mfa`. */
export const mfaLoginBodySchema = z.union([
  z.strictObject({ mfaToken: mfaTokenSchema, totp: totpCodeSchema }),
  z.strictObject({ mfaToken: mfaTokenSchema, recoveryCode: recoveryCodeSchema }),
  z.strictObject({ mfaToken: mfaTokenSchema, webauthn: authenticationResponseSchema }),
]);
export type MfaLoginBody = z.infer<typeof mfaLoginBodySchema>;
/** Body of `POST /v1/auth/login/mfa/options`. */
export const mfaTokenBodySchema = z.strictObject({ mfaToken: mfaTokenSchema });

/**
 * Body of `POST /v1/auth/step-up`: the password, or one second factor. A user who has a second factor is refused the
 * password alone (`mfa_required`); a passkey assertion answers the options of `POST /v1/auth/step-up/options`.
 */
export const stepUpProofBodySchema = z.union([stepUpBodySchema, ...secondFactorProofSchema.options]);
export type StepUpProofBody = z.infer<typeof stepUpProofBodySchema>;

/**
 * Body of `POST /v1/approvals/sign-in`: the approver's credentials, and their second factor when they have one (a TOTP
 * or recovery code); an approver with a factor is refused the password alone (`mfa_required`), as at step-up.
 */
export const approverSignInWithFactorBodySchema = approverSignInBodySchema
  .extend({ totp: totpCodeSchema.optional(), recoveryCode: recoveryCodeSchema.optional() })
  .refine((body) => body.totp === undefined || body.recoveryCode === undefined, { message: 'give one second factor at most', path: ['recoveryCode'] });
export type ApproverSignInWithFactorBody = z.infer<typeof approverSignInWithFactorBodySchema>;

/** Answer of `POST /v1/me/mfa/totp`: the secret to put in an authenticator app, as text and as an otpauth:// URL. */
export const totpEnrollmentSchema = z.object({
  secret: z.string(),
  otpauthUrl: z.string(),
  /** The otpauth:// URL as a QR code, an SVG document (`qrcode`), for an app to scan; the service always sends it. */
  qrCodeSvg: z.string().optional(),
});
export const totpConfirmBodySchema = z.strictObject({ code: totpCodeSchema });
/** Ten single-use recovery codes, shown once. */
export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()).length(10) });

/**
 * Answer of the call that confirms a first factor through an enrolment mfaToken (`Authorization: MFA`): the recovery
 * codes, and the sign-in it finishes (its access token's `amr` names both factors).
 */
export const enrolledWithLoginSchema = recoveryCodesSchema.extend({ login: tokenResponseSchema });
export type EnrolledWithLogin = z.infer<typeof enrolledWithLoginSchema>;
/** Every answer of `POST /v1/me/mfa/totp/confirm`: the codes, with the login when the enrolment finished a sign-in. */
export const totpConfirmedSchema = z.union([enrolledWithLoginSchema, recoveryCodesSchema]);
export type TotpConfirmed = z.infer<typeof totpConfirmedSchema>;

export const passkeySchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
  /** A synced passkey (`multiDevice`) or one bound to its authenticator (`singleDevice`). */
  deviceType: z.enum(['singleDevice', 'multiDevice']),
  backedUp: z.boolean(),
});
export type Passkey = z.infer<typeof passkeySchema>;
export const passkeyNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters');
export const passkeyRegistrationBodySchema = z.strictObject({ name: passkeyNameSchema, response: registrationResponseSchema });
export const passkeyAuthenticationBodySchema = z.strictObject({ response: authenticationResponseSchema });

// In a file of its own, so the admin directory's schema (api.ts, which this file imports) can use it without a cycle.
export { mfaStatusSchema, type MfaStatus } from './mfa-status.js';

/**
 * Passwordless sign-in binds its challenge to the browser that asked for it (WebAuthn L3 §13.4.3): `POST
 * /v1/auth/passkey/options` answers with a random ceremony value in this header, which the app keeps in an httpOnly
 * cookie and sends back in the same header with `POST /v1/auth/passkey`.
 */
export const WEBAUTHN_CEREMONY_HEADER = 'x-webauthn-ceremony';
/** The ceremony value: 32 random bytes, base64url. */
export const webauthnCeremonySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
/** Answer of `POST /v1/me/passkeys`: the new passkey's id; through an enrolment mfaToken, also the sign-in it finishes. */
export const passkeyRegisteredSchema = z.object({ id: z.string(), login: tokenResponseSchema.optional() });
