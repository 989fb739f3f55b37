import type { AmrValue, AuthenticationResponse, Passkey, RegistrationResponse } from '@portcullis/contracts';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { ApiError } from '../errors.js';
import { passkeyAmr } from './passkey-amr.js';
import type { AssertionPurpose, CeremonyClient, PasskeyCeremonies, PasskeyRefusal } from './passkey-ceremonies.js';
import { PasskeyStore, toPasskey, type PasskeyRow } from './passkey-store.js';
import { WebAuthnChallenges, type ChallengeBinding } from './webauthn-challenges.js';

const TRANSPORTS: readonly AuthenticatorTransportFuture[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

function isTransport(value: string): value is AuthenticatorTransportFuture {
  return (TRANSPORTS as readonly string[]).includes(value);
}

function transportsOf(row: PasskeyRow): AuthenticatorTransportFuture[] {
  return row.transports.filter(isTransport);
}

/** The user handle of a user's passkeys: their id, which is random and says nothing about them (WebAuthn L3 §14.6.1). */
function userHandleOf(userId: string): string {
  return isoBase64URL.fromUTF8String(userId);
}

/** The challenge the browser signed, read from its client data; null when the client data is not readable. */
function challengeOf(clientDataJSON: string): string | null {
  try {
    const { challenge } = decodeClientDataJSON(clientDataJSON);
    return typeof challenge === 'string' && challenge.length > 0 ? challenge : null;
  } catch {
    return null;
  }
}

function refused(message = 'The passkey could not be verified.'): ApiError {
  return new ApiError('invalid_mfa', message);
}

/**
 * Passkeys with SimpleWebAuthn (WebAuthn Level 3). The relying party is the configured RP ID and exact origins, never
 * a request header (WebAuthn L3 §13.4.9); user verification is required in every ceremony (§6.2.3, OWASP ASVS 5.0
 * §6.5.3); every challenge is spent before the response is looked at, so a failed attempt cannot be retried with it.
 */
export class WebAuthnPasskeys implements PasskeyCeremonies {
  private readonly store: PasskeyStore;
  private readonly challenges: WebAuthnChallenges;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly config: Pick<Config, 'webauthn' | 'mfa'>,
    private readonly audit: AuditLog,
  ) {
    this.store = new PasskeyStore(db);
    this.challenges = new WebAuthnChallenges(db, clock, config.mfa.tokenTtlSeconds);
  }

  countOf(userId: string): Promise<number> {
    return this.store.countOf(userId);
  }

  async list(userId: string): Promise<Passkey[]> {
    return (await this.store.listOf(userId)).map(toPasskey);
  }

  async remove(input: { userId: string; id: string; sid: string | null; client: CeremonyClient }): Promise<boolean> {
    const removed = await this.store.remove(input.userId, input.id);
    if (removed === null) return false;
    await this.audit.record({ type: 'mfa.removed', userId: input.userId, sid: input.sid, ...input.client, detail: { method: 'webauthn', passkey: removed.id } });
    return true;
  }

  async creationOptions(input: { user: { id: string; email: string; name: string }; boundTo: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { user } = input;
    const existing = await this.store.listOf(user.id);
    const options = await generateRegistrationOptions({
      rpName: this.config.webauthn.rpName,
      rpID: this.config.webauthn.rpId,
      userName: user.email,
      userID: isoUint8Array.fromUTF8String(user.id),
      userDisplayName: user.name,
      timeout: this.challenges.timeoutMs,
      attestationType: 'none',
      // The same authenticator is not registered twice (WebAuthn L3 §5.4.3).
      excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: transportsOf(row) })),
      // Discoverable, so the passkey can sign in without a password; verified, so it is a factor of its own (WebAuthn L3 §5.4.4).
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
    await this.challenges.remember(options.challenge, { purpose: 'registration', userId: user.id, boundTo: input.boundTo });
    return options;
  }

  async register(input: { userId: string; boundTo: string; name: string; response: RegistrationResponse; client: CeremonyClient }): Promise<Passkey> {
    const challenge = challengeOf(input.response.response.clientDataJSON);
    if (challenge === null || !(await this.challenges.spend(challenge, { purpose: 'registration', userId: input.userId, boundTo: input.boundTo }))) {
      throw refused('The passkey registration has expired or was not started here. Start again.');
    }
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: input.response,
        expectedChallenge: challenge,
        expectedOrigin: [...this.config.webauthn.origins],
        expectedRPID: this.config.webauthn.rpId,
        requireUserVerification: true,
      });
    } catch {
      throw refused('The passkey could not be registered.');
    }
    if (!verification.verified) throw refused('The passkey could not be registered.');
    const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
    const row = await this.store.add({
      userId: input.userId,
      credentialId: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      signCount: credential.counter,
      transports: (credential.transports ?? []).filter(isTransport),
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
      name: input.name,
      createdAt: new Date(this.clock.now()),
    });
    if (row === null) throw new ApiError('conflict', 'This passkey is already registered.');
    await this.audit.record({ type: 'mfa.enrolled', userId: input.userId, ...input.client, detail: { method: 'webauthn', passkey: row.id } });
    return toPasskey(row);
  }

  async requestOptions(input: { userId: string | null; purpose: AssertionPurpose; boundTo: string }): Promise<PublicKeyCredentialRequestOptionsJSON> {
    // Passwordless: no list, the authenticator offers its discoverable credentials (WebAuthn L3 §5.4.5, conditional UI).
    const allowCredentials =
      input.userId === null ? undefined : (await this.store.listOf(input.userId)).map((row) => ({ id: row.credentialId, transports: transportsOf(row) }));
    const options = await generateAuthenticationOptions({
      rpID: this.config.webauthn.rpId,
      timeout: this.challenges.timeoutMs,
      userVerification: 'required',
      ...(allowCredentials === undefined ? {} : { allowCredentials }),
    });
    await this.challenges.remember(options.challenge, { purpose: input.purpose, userId: input.userId, boundTo: input.boundTo });
    return options;
  }

  async verifyAssertion(input: {
    userId: string | null;
    purpose: AssertionPurpose;
    boundTo: string;
    response: AuthenticationResponse;
    client?: CeremonyClient;
  }): Promise<{ userId: string; amr: readonly AmrValue[] }> {
    const { response } = input;
    const fail = async (reason: PasskeyRefusal, userId: string | null): Promise<never> => {
      await this.audit.record({ type: 'mfa.failed', userId, ...input.client, reason, detail: { method: 'webauthn', purpose: input.purpose } });
      throw refused();
    };
    const binding: ChallengeBinding = { purpose: input.purpose, userId: input.userId, boundTo: input.boundTo };
    const challenge = challengeOf(response.response.clientDataJSON);
    if (challenge === null || !(await this.challenges.spend(challenge, binding))) {
      // Told to the credential's owner when the sign-in names no user, so the per-account alert sees replays too.
      return fail('challenge_invalid', input.userId ?? (await this.store.findByCredentialId(response.id))?.userId ?? null);
    }

    const row = await this.store.findByCredentialId(response.id);
    if (row === null) return fail('credential_unknown', input.userId);
    if (input.userId !== null && row.userId !== input.userId) return fail('credential_of_another_user', input.userId);
    // WebAuthn L3 §7.2 step 6: a user handle, when the authenticator returns one, names the credential's owner.
    if (response.response.userHandle !== undefined && response.response.userHandle !== userHandleOf(row.userId)) {
      return fail('credential_of_another_user', input.userId ?? row.userId);
    }

    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: [...this.config.webauthn.origins],
        expectedRPID: this.config.webauthn.rpId,
        // The counter is compared after the signature, in recordUse, so only a genuine assertion reports a regression.
        credential: { id: row.credentialId, publicKey: isoBase64URL.toBuffer(row.publicKey), counter: 0, transports: transportsOf(row) },
        requireUserVerification: true,
      });
    } catch {
      return fail('verification_failed', row.userId);
    }
    if (!verification.verified) return fail('verification_failed', row.userId);

    const { newCounter, credentialDeviceType, credentialBackedUp } = verification.authenticationInfo;
    const used = await this.store.recordUse({
      id: row.id,
      signCount: newCounter,
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
      at: new Date(this.clock.now()),
    });
    // WebAuthn L3 §6.1.1: a counter that did not increase hints at a cloned authenticator; refused, and audited for the alert.
    if (used === null) return fail('counter_regressed', row.userId);
    return { userId: row.userId, amr: passkeyAmr(used.deviceType) };
  }
}
