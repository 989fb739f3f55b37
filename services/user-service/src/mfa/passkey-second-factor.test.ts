import type { AuthenticationResponse } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../context.js';
import { createTestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { startTestInstance, type TestInstance } from '../test-support/harness.js';
import { invalidMfa } from './second-factor.js';
import type { PasskeyCeremonies } from './passkey-ceremonies.js';
import { afterPassword, finishWithFactor } from './sign-in-flow.js';

/** A stand-in for the WebAuthn ceremonies: it says who has a passkey and records what it was asked to verify. */
function fakePasskeys(owner: { id: string | null }, answer: (userId: string | null) => string): PasskeyCeremonies & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    countOf: (userId) => Promise.resolve(userId === owner.id ? 1 : 0),
    requestOptions: () => Promise.reject(invalidMfa()),
    verifyAssertion: (input) => {
      asked.push({ userId: input.userId, purpose: input.purpose, boundTo: input.boundTo });
      return Promise.resolve({ userId: answer(input.userId), amr: ['hwk', 'user'] });
    },
  };
}

const ASSERTION: AuthenticationResponse = {
  id: 'credential',
  rawId: 'credential',
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};
const CLIENT = { ip: '127.0.0.1', userAgent: 'a-browser' };

describe.each(testBackends().slice(0, 1))('a passkey as the second factor on $name', (backend) => {
  let service: TestInstance;

  beforeAll(async () => {
    service = await startTestInstance(backend);
  });

  afterAll(async () => {
    await service?.close();
  });

  function withPasskeys(passkeys: PasskeyCeremonies): ServiceContext {
    return { ...service.context, passkeys };
  }

  it('asks for an assertion of purpose second_factor bound to the pending sign-in, and proves pwd, hwk, user and mfa', async () => {
    const account = await createTestAccount(service);
    const user = await service.context.users.findById(account.id);
    if (user === null) throw new Error('no user');
    const passkeys = fakePasskeys(account, (userId) => userId ?? '');
    const context = withPasskeys(passkeys);
    const next = await afterPassword(context, user, CLIENT);
    expect(next).toMatchObject({ kind: 'second_factor', methods: ['webauthn'] });
    if (next.kind !== 'second_factor') return;
    const proven = await finishWithFactor(context, { mfaToken: next.mfaToken, proof: { webauthn: ASSERTION }, client: CLIENT });
    expect(proven.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
    expect(passkeys.asked).toEqual([{ userId: account.id, purpose: 'second_factor', boundTo: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) }]);
    expect(passkeys.asked[0]).not.toMatchObject({ boundTo: next.mfaToken });
  });

  it("refuses an assertion the ceremonies attribute to another user's credential", async () => {
    const account = await createTestAccount(service);
    const user = await service.context.users.findById(account.id);
    if (user === null) throw new Error('no user');
    const context = withPasskeys(fakePasskeys(account, () => '00000000-0000-4000-8000-000000000000'));
    const next = await afterPassword(context, user, CLIENT);
    if (next.kind !== 'second_factor') throw new Error('no second step');
    await expect(finishWithFactor(context, { mfaToken: next.mfaToken, proof: { webauthn: ASSERTION }, client: CLIENT })).rejects.toMatchObject({ code: 'invalid_mfa' });
  });
});
