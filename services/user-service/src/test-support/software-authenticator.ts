import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AuthenticationResponse, RegistrationResponse } from '@portcullis/contracts';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/** What a test may bend in one ceremony, to play a phishing page, a foreign RP, a cloned key or a careless authenticator. */
export interface CeremonyTweaks {
  /** The origin the "browser" reports (default: the authenticator's). */
  readonly origin?: string;
  /** The RP ID whose hash goes into the authenticator data (default: the options' RP ID, else the authenticator's). */
  readonly rpId?: string;
  /** User verification done (UV flag); default true. */
  readonly userVerified?: boolean;
  /** The signature counter to report instead of the next one. */
  readonly counter?: number;
  /** The challenge to sign instead of the options' one. */
  readonly challenge?: string;
  /** For an assertion: the credential to use (default: the first allowed one, else the newest). */
  readonly credentialId?: string;
}

interface StoredCredential {
  readonly id: string;
  readonly privateKey: KeyObject;
  readonly userHandle: string;
  counter: number;
}

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_BACKUP_ELIGIBLE = 0x08;
const FLAG_BACKED_UP = 0x10;
const FLAG_ATTESTED_CREDENTIAL = 0x40;
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function counterBytes(counter: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(counter);
  return bytes;
}

/** The credential public key as COSE_Key (RFC 9053 §7.1.1): EC2, ES256, P-256, x and y. */
function coseKeyOf(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) throw new Error('not an EC public key');
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, COSE_KTY_EC2],
      [3, COSE_ALG_ES256],
      [-1, COSE_CRV_P256],
      [-2, Buffer.from(jwk.x, 'base64url')],
      [-3, Buffer.from(jwk.y, 'base64url')],
    ]),
  );
}

/**
 * A passkey authenticator in software, for tests (WebAuthn L3 §6): ES256 keys from node:crypto, 'none' attestation,
 * authenticator data and client data built as a browser and authenticator would, every part bendable per ceremony.
 * `synced` makes its passkeys backup-eligible and backed up (a multi-device passkey).
 */
export class SoftwareAuthenticator {
  private readonly credentials: StoredCredential[] = [];

  constructor(private readonly defaults: { origin: string; rpId: string; synced?: boolean }) {}

  /** The credential ids this authenticator holds, oldest first. */
  get credentialIds(): string[] {
    return this.credentials.map((credential) => credential.id);
  }

  private flags(userVerified: boolean, attested: boolean): number {
    let flags = FLAG_USER_PRESENT;
    if (userVerified) flags |= FLAG_USER_VERIFIED;
    if (this.defaults.synced === true) flags |= FLAG_BACKUP_ELIGIBLE | FLAG_BACKED_UP;
    if (attested) flags |= FLAG_ATTESTED_CREDENTIAL;
    return flags;
  }

  private clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, tweaks: CeremonyTweaks): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge: tweaks.challenge ?? challenge, origin: tweaks.origin ?? this.defaults.origin, crossOrigin: false }));
  }

  /** `navigator.credentials.create()`: a new discoverable credential for the options' user. */
  createCredential(options: PublicKeyCredentialCreationOptionsJSON, tweaks: CeremonyTweaks = {}): RegistrationResponse {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rawId = randomBytes(16);
    const id = rawId.toString('base64url');
    const rpId = tweaks.rpId ?? options.rp.id ?? this.defaults.rpId;
    const counter = tweaks.counter ?? 0;
    const credentialIdLength = Buffer.alloc(2);
    credentialIdLength.writeUInt16BE(rawId.length);
    const authenticatorData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(tweaks.userVerified ?? true, true)]),
      counterBytes(counter),
      Buffer.alloc(16), // AAGUID: none, as a software authenticator without attestation
      credentialIdLength,
      rawId,
      coseKeyOf(publicKey),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authenticatorData],
      ]),
    );
    this.credentials.push({ id, privateKey, userHandle: options.user.id, counter });
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, tweaks).toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** `navigator.credentials.get()`: an assertion over the options' challenge, its counter one higher than the last. */
  getAssertion(options: PublicKeyCredentialRequestOptionsJSON, tweaks: CeremonyTweaks = {}): AuthenticationResponse {
    const allowed = options.allowCredentials?.map((credential) => credential.id);
    const wanted = tweaks.credentialId ?? allowed?.find((id) => this.credentialIds.includes(id)) ?? this.credentials.at(-1)?.id;
    const credential = this.credentials.find((candidate) => candidate.id === wanted);
    if (credential === undefined) throw new Error('the software authenticator holds no such credential');
    const counter = tweaks.counter ?? credential.counter + 1;
    credential.counter = Math.max(credential.counter, counter);
    const rpId = tweaks.rpId ?? options.rpId ?? this.defaults.rpId;
    const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([this.flags(tweaks.userVerified ?? true, false)]), counterBytes(counter)]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, tweaks);
    // WebAuthn L3 §6.3.3: the signature covers the authenticator data and the hash of the client data (ES256, DER).
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }
}
