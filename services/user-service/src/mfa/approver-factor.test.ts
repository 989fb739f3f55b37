import { approvalTicketSchema, type SpendingRequest } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAccount, type TestAccount } from '../test-support/accounts.js';
import { testBackends } from '../test-support/databases.js';
import { ALICE, startTestInstance, type TestInstance } from '../test-support/harness.js';
import { enrolTotpDirectly, totpCode } from '../test-support/mfa.js';

describe.each(testBackends().slice(0, 1))("the approval popup's approver with a second factor on $name", (backend) => {
  let service: TestInstance;
  let requesterToken: string;

  beforeAll(async () => {
    service = await startTestInstance(backend);
    requesterToken = (await service.login(ALICE)).accessToken;
  });

  afterAll(async () => {
    await service?.close();
  });

  async function pendingRequest(): Promise<SpendingRequest> {
    const response = await service.request('/v1/requests', { method: 'POST', token: requesterToken, json: { amount: 500, reason: 'conference travel' } });
    return ((await response.json()) as { request: SpendingRequest }).request;
  }

  function approverSignIn(approver: TestAccount, requestId: string, factor: Record<string, string> = {}): Promise<Response> {
    return service.request('/v1/approvals/sign-in', { method: 'POST', json: { email: approver.email, password: approver.password, requestId, ...factor } });
  }

  async function refusal(response: Response): Promise<{ status: number; error: string }> {
    return { status: response.status, error: ((await response.json()) as { error: string }).error };
  }

  it('refuses the password alone of a manager who has an authenticator app, and gives the ticket with their code', async () => {
    const manager = await createTestAccount(service, { role: 'MANAGER' });
    const secret = await enrolTotpDirectly(service, manager);
    const request = await pendingRequest();
    expect(await refusal(await approverSignIn(manager, request.id))).toEqual({ status: 401, error: 'mfa_required' });
    expect(await refusal(await approverSignIn(manager, request.id, { totp: totpCode(service, secret, 5) }))).toEqual({ status: 401, error: 'invalid_mfa' });
    const code = totpCode(service, secret);
    const signedIn = await approverSignIn(manager, request.id, { totp: code });
    expect(signedIn.status).toBe(200);
    expect(approvalTicketSchema.parse(await signedIn.json()).request.id).toBe(request.id);
    // The code was spent: the popup cannot be signed in again with it.
    expect(await refusal(await approverSignIn(manager, request.id, { totp: code }))).toEqual({ status: 401, error: 'invalid_mfa' });
  });

  it('still takes the password alone of a manager without a second factor', async () => {
    const manager = await createTestAccount(service, { role: 'MANAGER' });
    expect((await approverSignIn(manager, (await pendingRequest()).id)).status).toBe(200);
  });
});
