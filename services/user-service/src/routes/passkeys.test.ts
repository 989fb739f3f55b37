import { createHash } from 'node:crypto';
import type { AuthenticationResponse, Passkey, TokenResponse } from '@portcullis/contracts';
import { tokenResponseSchema, WEBAUTHN_CEREMONY_HEADER } from '@portcullis/contracts';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users, webauthnChallenges } from '../db/schema.js';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { startTestInstance, type TestInstance } from '../test-support/harness.js';
import { SoftwareAuthenticator } from '../test-support/software-authenticator.js';

const ORIGIN = 'http://localhost:3000';
const RP_ID = 'localhost';
const TTL_SECONDS = 120;
const DEVICE = { 'user-agent': 'passkey-tests/1.0' };

interface Person {
  readonly account: TestAccount;
  readonly tokens: TokenResponse;
  readonly authenticator: SoftwareAuthenticator;
}

describe.each(testBackends())('passkeys over HTTP on $name', (backend) => {
  let service: TestInstance;

  beforeAll(async () => {
    service = await startTestInstance(backend, { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_ORIGINS: ORIGIN, MFA_TOKEN_TTL: String(TTL_SECONDS), MFA_REQUIRED_ROLES: '' });
  });

  afterAll(async () => {
    await service.close();
  });

  async function signedInPerson(options: { synced?: boolean } = {}): Promise<Person> {
    const account = await createTestAccount(service);
    const tokens = await service.login(account.email, account.password, DEVICE);
    return { account, tokens, authenticator: new SoftwareAuthenticator({ origin: ORIGIN, rpId: RP_ID, synced: options.synced ?? false }) };
  }

  function post(path: string, json: unknown, options: { token?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    return service.request(path, { method: 'POST', json, headers: { ...DEVICE, ...options.headers }, ...(options.token === undefined ? {} : { token: options.token }) });
  }

  async function registrationOptions(person: Person): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const response = await post('/v1/me/passkeys/options', {}, { token: person.tokens.accessToken });
    expect(response.status).toBe(200);
    return (await response.json()) as PublicKeyCredentialCreationOptionsJSON;
  }

  async function registerPasskey(person: Person, name = 'Laptop'): Promise<string> {
    const options = await registrationOptions(person);
    const response = await post('/v1/me/passkeys', { name, response: person.authenticator.createCredential(options) }, { token: person.tokens.accessToken });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  async function passkeysOf(person: Person): Promise<Passkey[]> {
    const response = await service.request('/v1/me/passkeys', { token: person.tokens.accessToken });
    expect(response.status).toBe(200);
    return (await response.json()) as Passkey[];
  }

  async function passwordlessOptions(): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; ceremony: string }> {
    const response = await post('/v1/auth/passkey/options', {});
    expect(response.status).toBe(200);
    const ceremony = response.headers.get(WEBAUTHN_CEREMONY_HEADER);
    if (ceremony === null) throw new Error('no ceremony header');
    return { options: (await response.json()) as PublicKeyCredentialRequestOptionsJSON, ceremony };
  }

  function signInWith(response: AuthenticationResponse, ceremony: string): Promise<Response> {
    return post('/v1/auth/passkey', { response }, { headers: { [WEBAUTHN_CEREMONY_HEADER]: ceremony } });
  }

  async function failureReasons(userId: string): Promise<Array<string | null>> {
    const events = await service.context.audit.list({ type: 'mfa.failed', userId, limit: 50 });
    return events.map((event) => event.reason);
  }

  describe('registering, listing and removing', () => {
    it('registers several named passkeys, lists them without keys, and removes one', async () => {
      const alice = await signedInPerson();
      const laptop = await registerPasskey(alice, 'Laptop');
      service.clock.advance(1000);
      const phone = await registerPasskey(alice, 'Phone');

      const listed = await service.request('/v1/me/passkeys', { token: alice.tokens.accessToken });
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual([
        { id: laptop, name: 'Laptop', createdAt: service.clock.now() - 1000, lastUsedAt: null, deviceType: 'singleDevice', backedUp: false },
        { id: phone, name: 'Phone', createdAt: service.clock.now(), lastUsedAt: null, deviceType: 'singleDevice', backedUp: false },
      ]);

      service.clock.advance(1000);
      const removed = await service.request(`/v1/me/passkeys/${laptop}`, { method: 'DELETE', token: alice.tokens.accessToken });
      expect(removed.status).toBe(204);
      const after = (await (await service.request('/v1/me/passkeys', { token: alice.tokens.accessToken })).json()) as Array<{ id: string }>;
      expect(after.map((passkey) => passkey.id)).toEqual([phone]);
      const audited = await service.context.audit.list({ userId: alice.account.id, limit: 50 });
      expect(audited.map((event) => event.type).filter((type) => type.startsWith('mfa.'))).toEqual(['mfa.removed', 'mfa.enrolled', 'mfa.enrolled']);
    });

    it('asks for a discoverable, user-verified passkey and excludes the ones the user already has', async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const options = await registrationOptions(alice);
      expect(options.rp).toEqual({ id: RP_ID, name: expect.any(String) });
      expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
      expect(options.excludeCredentials?.map((credential) => credential.id)).toEqual(alice.authenticator.credentialIds);
      expect(options.timeout).toBe(TTL_SECONDS * 1000);
    });

    it('refuses to remove a passkey of another user, as not found', async () => {
      const alice = await signedInPerson();
      const bob = await signedInPerson();
      const bobs = await registerPasskey(bob);
      const response = await service.request(`/v1/me/passkeys/${bobs}`, { method: 'DELETE', token: alice.tokens.accessToken });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'not_found' });
      expect(await service.context.passkeys.countOf(bob.account.id)).toBe(1);
    });

    it('asks for a recent authentication before a passkey is added or removed', async () => {
      const alice = await signedInPerson();
      const id = await registerPasskey(alice);
      service.clock.advance((service.context.config.stepUpMaxAgeSeconds + 1) * 1000);
      const removal = await service.request(`/v1/me/passkeys/${id}`, { method: 'DELETE', token: alice.tokens.accessToken });
      expect(removal.status).toBe(401);
      expect(await removal.json()).toMatchObject({ error: 'insufficient_user_authentication' });
      expect((await post('/v1/me/passkeys/options', {}, { token: alice.tokens.accessToken })).status).toBe(401);
    });

    it('refuses a registration without user verification, from another origin, or answering another session', async () => {
      const alice = await signedInPerson();
      const unverified = await post(
        '/v1/me/passkeys',
        { name: 'Key', response: alice.authenticator.createCredential(await registrationOptions(alice), { userVerified: false }) },
        { token: alice.tokens.accessToken },
      );
      expect(unverified.status).toBe(401);
      const phished = await post(
        '/v1/me/passkeys',
        { name: 'Key', response: alice.authenticator.createCredential(await registrationOptions(alice), { origin: 'https://evil.example' }) },
        { token: alice.tokens.accessToken },
      );
      expect(phished.status).toBe(401);
      const otherSession = await service.login(alice.account.email, alice.account.password, DEVICE);
      const crossed = await post(
        '/v1/me/passkeys',
        { name: 'Key', response: alice.authenticator.createCredential(await registrationOptions(alice)) },
        { token: otherSession.accessToken },
      );
      expect(crossed.status).toBe(401);
      expect(await crossed.json()).toMatchObject({ error: 'invalid_mfa' });
      expect(await service.context.passkeys.countOf(alice.account.id)).toBe(0);
    });
  });

  describe('enrolling a passkey as the first factor', () => {
    it('lets a user who must enrol register a passkey through the mfaToken, which finishes the sign-in with both factors', async () => {
      const account = await createTestAccount(service);
      // An admin's requirement for this one user (MFA_REQUIRED_ROLES is empty here).
      await service.context.database.db.update(users).set({ mfaRequired: true }).where(eq(users.id, account.id));
      const password = await post('/v1/auth/login', { email: account.email, password: account.password });
      const { enrollmentRequired, mfaToken } = (await password.json()) as { enrollmentRequired: boolean; mfaToken: string };
      expect(enrollmentRequired).toBe(true);
      const enrolment = { authorization: `MFA ${mfaToken}` };

      const optionsResponse = await post('/v1/me/passkeys/options', {}, { headers: enrolment });
      expect(optionsResponse.status).toBe(200);
      const authenticator = new SoftwareAuthenticator({ origin: ORIGIN, rpId: RP_ID });
      const credential = authenticator.createCredential((await optionsResponse.json()) as PublicKeyCredentialCreationOptionsJSON);
      const registered = await post('/v1/me/passkeys', { name: 'Security key', response: credential }, { headers: enrolment });
      expect(registered.status).toBe(201);
      const { login } = (await registered.json()) as { id: string; login?: TokenResponse };
      if (login === undefined) throw new Error('no login with the enrolment');
      expect((await service.context.accessTokens.verify(login.accessToken)).amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);

      // The mfaToken is spent: it opens nothing more.
      expect((await post('/v1/me/passkeys/options', {}, { headers: enrolment })).status).toBe(401);
    });

    it('refuses registration without a session or an enrolment mfaToken', async () => {
      const response = await post('/v1/me/passkeys/options', {});
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    });
  });

  describe('passwordless sign-in', () => {
    it('signs in with a discoverable passkey alone, as multi-factor (hwk, user, mfa), and records its use', async () => {
      const alice = await signedInPerson();
      const id = await registerPasskey(alice);
      const { options, ceremony } = await passwordlessOptions();
      expect(options.allowCredentials).toBeUndefined();
      expect(options.userVerification).toBe('required');
      expect(ceremony).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const response = await signInWith(alice.authenticator.getAssertion(options), ceremony);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const login = tokenResponseSchema.parse(await response.json());
      expect(login.user.id).toBe(alice.account.id);
      const principal = await service.context.accessTokens.verify(login.accessToken);
      expect(principal.amr).toEqual(['hwk', 'user', 'mfa']);
      expect(principal.acr).toBe('urn:portcullis:acr:mfa');

      const [passkey] = await passkeysOf(alice);
      expect(passkey).toMatchObject({ id, lastUsedAt: service.clock.now() });
      const [signIn] = await service.context.audit.list({ type: 'passkey.sign_in', userId: alice.account.id, limit: 1 });
      expect(signIn?.sid).toBe(principal.sid);
    });

    it('keeps only the hash of a challenge, bound to the hash of the ceremony value', async () => {
      const { options, ceremony } = await passwordlessOptions();
      const [row] = await service.context.database.db
        .select()
        .from(webauthnChallenges)
        .where(eq(webauthnChallenges.challengeHash, createHash('sha256').update(options.challenge).digest('base64url')));
      expect(row).toMatchObject({ purpose: 'passkey_sign_in', userId: null, boundTo: createHash('sha256').update(ceremony).digest('base64url') });
      expect(row?.expiresAt.getTime()).toBe(service.clock.now() + TTL_SECONDS * 1000);
    });

    it('calls a synced passkey a software key (swk) and keeps its backup flags', async () => {
      const carol = await signedInPerson({ synced: true });
      await registerPasskey(carol);
      const { options, ceremony } = await passwordlessOptions();
      const login = tokenResponseSchema.parse(await (await signInWith(carol.authenticator.getAssertion(options), ceremony)).json());
      expect((await service.context.accessTokens.verify(login.accessToken)).amr).toEqual(['swk', 'user', 'mfa']);
      expect(await passkeysOf(carol)).toEqual([expect.objectContaining({ deviceType: 'multiDevice', backedUp: true })]);
    });

    it('refuses an assertion made on another origin (phishing)', async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const { options, ceremony } = await passwordlessOptions();
      const response = await signInWith(alice.authenticator.getAssertion(options, { origin: 'https://login.evil.example' }), ceremony);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid_mfa', message: 'The passkey could not be verified.' });
      expect(await failureReasons(alice.account.id)).toEqual(['verification_failed']);
    });

    it('refuses an assertion for another relying party', async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const { options, ceremony } = await passwordlessOptions();
      expect((await signInWith(alice.authenticator.getAssertion(options, { rpId: 'evil.example' }), ceremony)).status).toBe(401);
      expect(await failureReasons(alice.account.id)).toEqual(['verification_failed']);
    });

    it('refuses an assertion without user verification', async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const { options, ceremony } = await passwordlessOptions();
      expect((await signInWith(alice.authenticator.getAssertion(options, { userVerified: false }), ceremony)).status).toBe(401);
      expect(await failureReasons(alice.account.id)).toEqual(['verification_failed']);
    });

    it('accepts a challenge once: the same assertion replayed is refused', async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const { options, ceremony } = await passwordlessOptions();
      const assertion = alice.authenticator.getAssertion(options);
      expect((await signInWith(assertion, ceremony)).status).toBe(200);
      const replay = await signInWith(assertion, ceremony);
      expect(replay.status).toBe(401);
      expect(await failureReasons(alice.account.id)).toEqual(['challenge_invalid']);
    });

    it("refuses a challenge bound to another browser's ceremony, and a call without one", async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const theirs = await passwordlessOptions();
      const mine = await passwordlessOptions();
      expect((await signInWith(alice.authenticator.getAssertion(theirs.options), mine.ceremony)).status).toBe(401);
      const without = await post('/v1/auth/passkey', { response: alice.authenticator.getAssertion(mine.options) });
      expect(without.status).toBe(400);
      expect(await without.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('refuses a challenge once it has expired', async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const { options, ceremony } = await passwordlessOptions();
      service.clock.advance((TTL_SECONDS + 1) * 1000);
      expect((await signInWith(alice.authenticator.getAssertion(options), ceremony)).status).toBe(401);
      expect(await failureReasons(alice.account.id)).toEqual(['challenge_invalid']);
    });

    it('refuses a signature counter that goes backwards, and audits it as a possibly cloned key', async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const first = await passwordlessOptions();
      expect((await signInWith(alice.authenticator.getAssertion(first.options, { counter: 7 }), first.ceremony)).status).toBe(200);
      const clone = await passwordlessOptions();
      const response = await signInWith(alice.authenticator.getAssertion(clone.options, { counter: 5 }), clone.ceremony);
      expect(response.status).toBe(401);
      expect(await failureReasons(alice.account.id)).toEqual(['counter_regressed']);
      const same = await passwordlessOptions();
      expect((await signInWith(alice.authenticator.getAssertion(same.options, { counter: 7 }), same.ceremony)).status).toBe(401);
      const next = await passwordlessOptions();
      expect((await signInWith(alice.authenticator.getAssertion(next.options, { counter: 8 }), next.ceremony)).status).toBe(200);
    });

    it('refuses a passkey that was removed', async () => {
      const alice = await signedInPerson();
      const id = await registerPasskey(alice);
      expect((await service.request(`/v1/me/passkeys/${id}`, { method: 'DELETE', token: alice.tokens.accessToken })).status).toBe(204);
      const { options, ceremony } = await passwordlessOptions();
      expect((await signInWith(alice.authenticator.getAssertion(options), ceremony)).status).toBe(401);
    });
  });

  describe('as a second factor and for step-up', () => {
    it("offers a pending sign-in only its user's passkeys, and refuses another user's credential", async () => {
      const alice = await signedInPerson();
      const bob = await signedInPerson();
      await registerPasskey(alice);
      await registerPasskey(bob);
      const { mfaToken } = await service.context.pendingSignIns.start({
        userId: bob.account.id,
        stage: 'second_factor',
        amr: ['pwd'],
        client: { ip: '127.0.0.1', userAgent: DEVICE['user-agent'] },
      });
      const response = await post('/v1/auth/login/mfa/options', { mfaToken });
      expect(response.status).toBe(200);
      const options = (await response.json()) as PublicKeyCredentialRequestOptionsJSON;
      expect(options.allowCredentials?.map((credential) => credential.id)).toEqual(bob.authenticator.credentialIds);

      const pending = await service.context.pendingSignIns.find(mfaToken, { ip: '127.0.0.1', userAgent: DEVICE['user-agent'] });
      const forged = alice.authenticator.getAssertion(options, { credentialId: alice.authenticator.credentialIds[0] ?? '' });
      await expect(
        service.context.passkeys.verifyAssertion({ userId: bob.account.id, purpose: 'second_factor', boundTo: pending?.tokenHash ?? '', response: forged }),
      ).rejects.toMatchObject({ code: 'invalid_mfa' });
      expect(await failureReasons(bob.account.id)).toEqual(['credential_of_another_user']);
    });

    it('finishes a password sign-in with a passkey as the second factor (pwd, hwk, user, mfa), and steps up with one', async () => {
      const alice = await signedInPerson();
      await registerPasskey(alice);
      const password = await post('/v1/auth/login', { email: alice.account.email, password: alice.account.password });
      const pending = (await password.json()) as { mfaRequired: boolean; mfaToken: string; methods: string[] };
      expect(pending).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: expect.arrayContaining(['webauthn']) });

      const options = (await (await post('/v1/auth/login/mfa/options', { mfaToken: pending.mfaToken })).json()) as PublicKeyCredentialRequestOptionsJSON;
      const finished = await post('/v1/auth/login/mfa', { mfaToken: pending.mfaToken, webauthn: alice.authenticator.getAssertion(options) });
      expect(finished.status).toBe(200);
      const login = tokenResponseSchema.parse(await finished.json());
      expect((await service.context.accessTokens.verify(login.accessToken)).amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);

      const stepUpOptions = (await (await post('/v1/auth/step-up/options', {}, { token: login.accessToken })).json()) as PublicKeyCredentialRequestOptionsJSON;
      const steppedUp = await post('/v1/auth/step-up', { webauthn: alice.authenticator.getAssertion(stepUpOptions) }, { token: login.accessToken });
      expect(steppedUp.status).toBe(200);
    });

    it('refuses options for an unknown or foreign mfaToken', async () => {
      const response = await post('/v1/auth/login/mfa/options', { mfaToken: 'A'.repeat(43) });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_mfa' });
    });

    it('binds step-up options to their session: an assertion for one session does not step up another', async () => {
      const alice = await signedInPerson();
      // Two sessions by password, before a passkey makes the password alone not enough.
      const otherSession = await service.login(alice.account.email, alice.account.password, DEVICE);
      await registerPasskey(alice);
      const response = await post('/v1/auth/step-up/options', {}, { token: alice.tokens.accessToken });
      expect(response.status).toBe(200);
      const options = (await response.json()) as PublicKeyCredentialRequestOptionsJSON;
      const assertion = alice.authenticator.getAssertion(options);
      const { passkeys, accessTokens } = service.context;
      const other = await accessTokens.verify(otherSession.accessToken);
      const own = await accessTokens.verify(alice.tokens.accessToken);
      await expect(passkeys.verifyAssertion({ userId: alice.account.id, purpose: 'step_up', boundTo: other.sid, response: assertion })).rejects.toMatchObject({
        code: 'invalid_mfa',
      });
      // Nor does it serve another purpose: a step-up challenge is no sign-in.
      await expect(passkeys.verifyAssertion({ userId: alice.account.id, purpose: 'second_factor', boundTo: own.sid, response: assertion })).rejects.toMatchObject({
        code: 'invalid_mfa',
      });
      const verified = await passkeys.verifyAssertion({ userId: alice.account.id, purpose: 'step_up', boundTo: own.sid, response: assertion });
      expect(verified).toEqual({ userId: alice.account.id, amr: ['hwk', 'user', 'mfa'] });
      expect(await failureReasons(alice.account.id)).toEqual(['challenge_invalid', 'challenge_invalid']);
    });

    it('has no options for a user without a passkey', async () => {
      const bob = await signedInPerson();
      const response = await post('/v1/auth/step-up/options', {}, { token: bob.tokens.accessToken });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_mfa' });
    });
  });
});
