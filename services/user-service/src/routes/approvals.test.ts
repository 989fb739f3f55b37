import { randomBytes } from 'node:crypto';
import type { ApprovalTicket, SpendingRequest, TokenResponse } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../test-support/databases.js';
import { ADAM, ALICE, DEMO_PASSWORD, MARIA, startTestInstance, type TestInstance } from '../test-support/harness.js';

const newState = (): string => randomBytes(24).toString('base64url');

describe.each(testBackends())('approvals and step-up on $name', (backend) => {
  let service: TestInstance;
  let alice: TokenResponse;
  let admin: TokenResponse;

  beforeAll(async () => {
    service = await startTestInstance(backend, { STEP_UP_MAX_AGE: '600', APPROVAL_TTL: '300' });
    alice = await service.login(ALICE);
    admin = await service.login(ADAM);
  });

  afterAll(async () => {
    await service.close();
  });

  async function createRequest(token = alice.accessToken, amount = 500): Promise<SpendingRequest> {
    const response = await service.request('/v1/requests', { method: 'POST', token, json: { amount, reason: 'conference travel' } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { request: SpendingRequest }).request;
  }

  async function approverSignIn(requestId: string, email = MARIA, password = DEMO_PASSWORD): Promise<Response> {
    return service.request('/v1/approvals/sign-in', { method: 'POST', json: { email, password, requestId } });
  }

  async function approve(requestId: string, state: string, decision: 'approve' | 'reject' = 'approve'): Promise<Response> {
    const signIn = await approverSignIn(requestId);
    expect(signIn.status).toBe(200);
    const { ticket } = (await signIn.json()) as ApprovalTicket;
    return service.request('/v1/approvals/decisions', { method: 'POST', json: { ticket, state, decision } });
  }

  async function consume(requestId: string, state: string, token = alice.accessToken): Promise<Response> {
    return service.request(`/v1/requests/${requestId}/approval`, { method: 'POST', token, json: { state } });
  }

  async function latestEvent(type: string): Promise<{ reason: string | null; detail: Record<string, unknown> | null }> {
    const response = await service.request(`/v1/audit?type=${type}&limit=1`, { token: admin.accessToken });
    const { events } = (await response.json()) as { events: Array<{ reason: string | null; detail: Record<string, unknown> | null }> };
    if (events[0] === undefined) throw new Error(`no ${type} event`);
    return events[0];
  }

  it('walks the happy path: request, manager approves, requester consumes once, request approved — all audited', async () => {
    const request = await createRequest();
    expect(request).toMatchObject({ status: 'pending', amount: 500, approvalWaiting: false });
    expect((await service.request(`/v1/requests/${request.id}/approval-requests`, { method: 'POST', token: alice.accessToken })).status).toBe(204);

    const state = newState();
    const signIn = await approverSignIn(request.id);
    const ticket = (await signIn.json()) as ApprovalTicket;
    // The approver sees who asks, what and when before deciding.
    expect(ticket.request).toMatchObject({ id: request.id, amount: 500, reason: 'conference travel', requester: { email: ALICE, name: 'Alice User' } });
    const decision = await service.request('/v1/approvals/decisions', { method: 'POST', json: { ticket: ticket.ticket, state, decision: 'approve' } });
    expect(await decision.json()).toMatchObject({ requestId: request.id, result: 'approved', expiresAt: service.clock.now() + 300_000 });

    const status = await service.request(`/v1/requests/${request.id}`, { token: alice.accessToken });
    expect(((await status.json()) as { request: SpendingRequest }).request).toMatchObject({ status: 'pending', approvalWaiting: true });

    const consumed = await consume(request.id, state);
    expect(consumed.status).toBe(200);
    expect(((await consumed.json()) as { request: SpendingRequest }).request).toMatchObject({ status: 'approved', approvalWaiting: false });

    for (const type of ['request.created', 'approval.requested', 'approval.granted', 'approval.consumed']) {
      expect((await latestEvent(type)).detail).toMatchObject({ requestId: request.id });
    }
  });

  it('refuses an approval consumed twice', async () => {
    const request = await createRequest();
    const state = newState();
    await approve(request.id, state);
    expect((await consume(request.id, state)).status).toBe(200);
    const again = await consume(request.id, state);
    expect(again.status).toBe(403);
    expect(await again.json()).toMatchObject({ error: 'approval_invalid', message: 'This approval has already been used.' });
    expect((await latestEvent('approval.refused')).reason).toBe('already_consumed');
  });

  it('names the refusal in a stable reason field', async () => {
    const request = await createRequest();
    const refused = await consume(request.id, newState());
    expect(await refused.json()).toEqual({ error: 'approval_invalid', message: 'No approval has been given for this request.', reason: 'no_approval' });
  });

  it("does not let an approval made for another state (a hostile page's) block the requester's own", async () => {
    const request = await createRequest();
    const mine = newState();
    await approve(request.id, mine);
    // Later, a manager is tricked into approving through a page that chose its own state.
    await approve(request.id, newState());
    expect((await consume(request.id, mine)).status).toBe(200);
  });

  it('refuses an expired approval', async () => {
    const request = await createRequest();
    const state = newState();
    await approve(request.id, state);
    service.clock.advance(300_001);
    expect(await (await consume(request.id, state)).json()).toMatchObject({ error: 'approval_invalid', message: 'This approval has expired. Ask again.' });
  });

  it('refuses another state, another request and another requester', async () => {
    const request = await createRequest();
    const other = await createRequest();
    const state = newState();
    await approve(request.id, state);
    expect((await (await consume(request.id, newState())).json()) as object).toMatchObject({ error: 'approval_invalid' });
    expect((await latestEvent('approval.refused')).reason).toBe('state_mismatch');
    expect((await (await consume(other.id, state)).json()) as object).toMatchObject({ error: 'approval_invalid' });
    expect((await latestEvent('approval.refused')).reason).toBe('no_approval');

    const maria = await service.login(MARIA);
    const stolen = await consume(request.id, state, maria.accessToken);
    expect(stolen.status).toBe(403);
    expect((await latestEvent('approval.refused')).reason).toBe('wrong_requester');
    // The rightful requester can still use it: refusals consumed nothing.
    expect((await consume(request.id, state)).status).toBe(200);
  });

  it('refuses a USER as approver and the requester approving their own request', async () => {
    const request = await createRequest();
    const asUser = await approverSignIn(request.id, 'bob@example.com');
    expect(asUser.status).toBe(401);
    const created = await service.context.users.create({
      email: 'bob@example.com',
      name: 'Bob',
      role: 'USER',
      passwordHash: await service.context.passwords.hash(DEMO_PASSWORD),
    });
    expect(created).not.toBeNull();
    const byUser = await approverSignIn(request.id, 'bob@example.com');
    expect(byUser.status).toBe(403);
    expect(await byUser.json()).toMatchObject({ error: 'approval_invalid', message: 'Only a manager or an administrator can approve requests.' });

    const managersOwn = await createRequest((await service.login(MARIA)).accessToken);
    const self = await approverSignIn(managersOwn.id, MARIA);
    expect(await self.json()).toMatchObject({ error: 'approval_invalid', message: 'You cannot approve your own request.' });
    expect((await latestEvent('approval.refused')).reason).toBe('self_approval');
  });

  it('re-checks roles at consumption: an approver demoted in between cannot approve', async () => {
    const request = await createRequest();
    const state = newState();
    const promoted = await service.context.users.create({
      email: 'temp-manager@example.com',
      name: 'Temp',
      role: 'MANAGER',
      passwordHash: await service.context.passwords.hash(DEMO_PASSWORD),
    });
    const signIn = await approverSignIn(request.id, 'temp-manager@example.com');
    const { ticket } = (await signIn.json()) as ApprovalTicket;
    await service.request('/v1/approvals/decisions', { method: 'POST', json: { ticket, state, decision: 'approve' } });
    await service.context.users.update(promoted?.id ?? '', { role: 'USER' });
    expect((await (await consume(request.id, state)).json()) as object).toMatchObject({ error: 'approval_invalid' });
    expect((await latestEvent('approval.refused')).reason).toBe('approver_not_allowed');
  });

  it('audits a decision refused after its ticket was issued with the request and the approver it concerned', async () => {
    const request = await createRequest();
    const promoted = await service.context.users.create({
      email: 'brief-manager@example.com',
      name: 'Brief',
      role: 'MANAGER',
      passwordHash: await service.context.passwords.hash(DEMO_PASSWORD),
    });
    const { ticket } = (await (await approverSignIn(request.id, 'brief-manager@example.com')).json()) as ApprovalTicket;
    await service.context.users.update(promoted?.id ?? '', { role: 'USER' });
    const decision = await service.request('/v1/approvals/decisions', { method: 'POST', json: { ticket, state: newState(), decision: 'approve' } });
    expect(decision.status).toBe(403);
    expect(await latestEvent('approval.refused')).toMatchObject({ reason: 'approver_not_allowed', detail: { requestId: request.id } });
  });

  it('uses a ticket once, and a rejection decides the request', async () => {
    const request = await createRequest();
    const signIn = await approverSignIn(request.id);
    const { ticket } = (await signIn.json()) as ApprovalTicket;
    const state = newState();
    const rejected = await service.request('/v1/approvals/decisions', { method: 'POST', json: { ticket, state, decision: 'reject' } });
    expect(await rejected.json()).toMatchObject({ result: 'rejected' });
    const replay = await service.request('/v1/approvals/decisions', { method: 'POST', json: { ticket, state, decision: 'approve' } });
    expect(await replay.json()).toMatchObject({ error: 'approval_invalid' });
    // A spent ticket names nothing the caller could prove, so the audit row claims no request.
    expect(await latestEvent('approval.refused')).toMatchObject({ reason: 'ticket_invalid', detail: { requestId: null } });
    const status = await service.request(`/v1/requests/${request.id}`, { token: alice.accessToken });
    expect(((await status.json()) as { request: SpendingRequest }).request.status).toBe('rejected');
  });

  it('throttles the approver sign-in like the normal one', async () => {
    const request = await createRequest();
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await approverSignIn(request.id, MARIA, 'wrong-password')).status).toBe(401);
    const throttled = await approverSignIn(request.id, MARIA, DEMO_PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
    await service.context.throttles.recordLoginSuccess(MARIA, '127.0.0.1');
  });

  it("hides other users' requests and validates input", async () => {
    const request = await createRequest();
    const maria = await service.login(MARIA);
    expect((await service.request(`/v1/requests/${request.id}`, { token: maria.accessToken })).status).toBe(404);
    for (const json of [
      { amount: 0, reason: 'x' },
      { amount: 1.5, reason: 'x' },
      { amount: 5, reason: '' },
      { amount: 5, reason: 'x', extra: 1 },
    ]) {
      expect((await service.request('/v1/requests', { method: 'POST', token: alice.accessToken, json })).status).toBe(400);
    }
    expect((await consume(request.id, 'short')).status).toBe(400);
  });

  describe('step-up for admin actions', () => {
    it('refuses an admin action when the password check is older than the window, until the admin steps up', async () => {
      const freshAdmin = await service.login(ADAM);
      const bob = (await service.context.users.findByEmail(ALICE))?.id ?? '';
      const change = () => service.request(`/v1/users/${bob}/sessions`, { method: 'DELETE', token: freshAdmin.accessToken });
      expect((await change()).status).toBe(200);

      service.clock.advance(601_000);
      // A refresh brings a new access token but not a fresher authentication.
      const refreshed = (await (await service.refresh(freshAdmin.refreshToken)).json()) as TokenResponse;
      const stale = await service.request(`/v1/users/${bob}/sessions`, { method: 'DELETE', token: refreshed.accessToken });
      expect(stale.status).toBe(401);
      expect(stale.headers.get('www-authenticate')).toBe('Bearer error="insufficient_user_authentication", max_age=600');
      expect(await stale.json()).toMatchObject({ error: 'insufficient_user_authentication' });

      const wrong = await service.request('/v1/auth/step-up', { method: 'POST', token: refreshed.accessToken, json: { password: 'nope' } });
      expect(wrong.status).toBe(401);
      const stepUp = await service.request('/v1/auth/step-up', { method: 'POST', token: refreshed.accessToken, json: { password: DEMO_PASSWORD } });
      expect(stepUp.status).toBe(200);
      expect((await service.request(`/v1/users/${bob}/sessions`, { method: 'DELETE', token: refreshed.accessToken })).status).toBe(200);
      expect((await latestEvent('auth.step_up')).reason).toBeNull();

      // Role changes need it as well.
      service.clock.advance(601_000);
      const patch = await service.request(`/v1/users/${bob}`, {
        method: 'PATCH',
        token: ((await (await service.refresh(refreshed.refreshToken)).json()) as TokenResponse).accessToken,
        json: { disabled: false },
      });
      expect(patch.status).toBe(401);
    });
  });
});
