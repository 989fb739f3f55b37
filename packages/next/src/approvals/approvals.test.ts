import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApprovalRefusedError, InvalidCredentialsError, MfaRequiredError, RateLimitedError } from '../errors.js';
import { APP_CREDENTIAL_HEADER, CLIENT_ADDRESS_HEADER } from '@portcullis/contracts';
import { APP, APP_CREDENTIAL, AuthHarness } from '../test-support/auth-harness.js';
import type { FakeCall } from '../test-support/fake-user-service.js';

const REQUEST_ID = '7b0e2f4e-8d2c-4f0b-9a53-1f9f2d7c6a10';
const STATE = 'S'.repeat(43);
const TICKET = 'T'.repeat(43);
const summary = { id: REQUEST_ID, amount: 500, reason: 'travel', createdAt: 1, requester: { email: 'alice@example.com', name: 'Alice' } };

let h: AuthHarness;
beforeEach(async () => {
  h = await new AuthHarness().start();
  h.requestHeaders = new Headers({ origin: APP, 'sec-fetch-site': 'same-origin', 'x-forwarded-for': '203.0.113.9', 'user-agent': 'popup-browser' });
  // The approval endpoints of the user-service, as far as these tests need them.
  h.backend.override = (call: FakeCall, res: ServerResponse) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): true => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      return true;
    };
    const body = (call.body ?? {}) as Record<string, unknown>;
    if (call.path === '/v1/approvals/sign-in') {
      if (body.password === 'throttle') return send(429, { error: 'rate_limited', message: 'slow' }, { 'retry-after': '17' });
      if (body.password !== 'right') return send(401, { error: 'invalid_credentials', message: 'The email or password is incorrect.' });
      // An approver with a second factor: the password alone is not enough (as at step-up).
      if (body.email === 'mfa-manager@example.com' && body.totp !== '123456') return send(401, { error: 'mfa_required', message: 'Give the code too.' });
      if (body.email === 'alice@example.com') return send(403, { error: 'approval_invalid', message: 'You cannot approve your own request.', reason: 'self_approval' });
      return send(200, { ticket: TICKET, expiresAt: h.clock.now() + 300_000, request: summary });
    }
    if (call.path === '/v1/approvals/decisions') {
      if (body.ticket !== TICKET)
        return send(403, { error: 'approval_invalid', message: 'This approval sign-in has expired or was already used. Sign in again.', reason: 'ticket_invalid' });
      // As the user-service answers: an approval expires, a rejection has nothing to expire.
      if (body.decision === 'reject') return send(200, { requestId: REQUEST_ID, result: 'rejected', expiresAt: null });
      return send(200, { requestId: REQUEST_ID, result: 'approved', expiresAt: h.clock.now() + 300_000 });
    }
    if (call.path === '/v1/auth/step-up') {
      if (call.headers.authorization === undefined) return send(401, { error: 'invalid_token', message: 'no' });
      return body.password === 'right' ? send(200, { stepUpAt: h.clock.now() }) : send(401, { error: 'invalid_credentials', message: 'no' });
    }
    return false;
  };
});
afterEach(async () => {
  await h.stop();
});

describe('approvals', () => {
  it('asks an approver who has a second factor for its code with the password, and sends it along', async () => {
    const approver = { email: 'mfa-manager@example.com', password: 'right', requestId: REQUEST_ID, state: STATE };
    await expect(h.auth.approvals.signIn(approver)).rejects.toBeInstanceOf(MfaRequiredError);
    const signedIn = await h.auth.approvals.signIn({ ...approver, totp: '123456' });
    expect(signedIn.request).toEqual(summary);
    expect(h.backend.callsTo('/v1/approvals/sign-in')[1]?.body).toEqual({ email: approver.email, password: 'right', requestId: REQUEST_ID, totp: '123456' });
  });

  it("signs the approver in for this approval only and hands the browser a sealed ticket, never the backend's", async () => {
    const signedIn = await h.auth.approvals.signIn({ email: 'maria@example.com', password: 'right', requestId: REQUEST_ID, state: STATE });
    expect(signedIn.request).toEqual(summary);
    expect(JSON.stringify(signedIn)).not.toContain(TICKET);
    const call = h.backend.callsTo('/v1/approvals/sign-in')[0];
    expect(call?.body).toEqual({ email: 'maria@example.com', password: 'right', requestId: REQUEST_ID });
    // Throttled like the normal sign-in: the browser's address and agent reach the backend.
    expect(call?.headers[CLIENT_ADDRESS_HEADER]).toBe('203.0.113.9');
    expect(call?.headers[APP_CREDENTIAL_HEADER]).toBe(APP_CREDENTIAL);
    expect(call?.headers['user-agent']).toBe('popup-browser');
    expect(call?.headers.authorization).toBeUndefined();
  });

  it('decides with the unsealed ticket and the state, and refuses a seal made for another state without asking the backend', async () => {
    const { sealedTicket } = await h.auth.approvals.signIn({ email: 'maria@example.com', password: 'right', requestId: REQUEST_ID, state: STATE });
    await expect(h.auth.approvals.decide({ sealedTicket, requestId: REQUEST_ID, state: 'X'.repeat(43), decision: 'approve' })).rejects.toMatchObject({
      reason: 'ticket_invalid',
    });
    expect(h.backend.callsTo('/v1/approvals/decisions')).toHaveLength(0);
    expect(await h.auth.approvals.decide({ sealedTicket, requestId: REQUEST_ID, state: STATE, decision: 'approve' })).toMatchObject({
      requestId: REQUEST_ID,
      result: 'approved',
    });
    expect(h.backend.callsTo('/v1/approvals/decisions')[0]?.body).toEqual({ ticket: TICKET, state: STATE, decision: 'approve' });
  });

  it('records a rejection', async () => {
    const { sealedTicket } = await h.auth.approvals.signIn({ email: 'maria@example.com', password: 'right', requestId: REQUEST_ID, state: STATE });
    expect(await h.auth.approvals.decide({ sealedTicket, requestId: REQUEST_ID, state: STATE, decision: 'reject' })).toEqual({
      requestId: REQUEST_ID,
      result: 'rejected',
      expiresAt: null,
    });
  });

  it('refuses an expired seal', async () => {
    const { sealedTicket } = await h.auth.approvals.signIn({ email: 'maria@example.com', password: 'right', requestId: REQUEST_ID, state: STATE });
    h.clock.advance(300_001);
    await expect(h.auth.approvals.decide({ sealedTicket, requestId: REQUEST_ID, state: STATE, decision: 'approve' })).rejects.toBeInstanceOf(ApprovalRefusedError);
  });

  it('turns wrong passwords, throttling and refusals into typed errors with the sign-in page texts', async () => {
    const attempt = (email: string, password: string) => h.auth.approvals.signIn({ email, password, requestId: REQUEST_ID, state: STATE });
    await expect(attempt('maria@example.com', 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(attempt('maria@example.com', 'throttle')).rejects.toEqual(new RateLimitedError(17));
    await expect(attempt('alice@example.com', 'right')).rejects.toMatchObject({ reason: 'self_approval', message: 'You cannot approve your own request.' });
  });
});

describe('publicAction', () => {
  const action = () => h.auth.publicAction({ resource: 'action:test', input: z.object({ name: z.string().min(1) }) }, async ({ name }) => ({ hello: name }));

  it('needs no session but the exact origin and valid input', async () => {
    expect(await action()({ name: 'maria' })).toEqual({ ok: true, data: { hello: 'maria' } });
    expect(await action()({ name: '' })).toMatchObject({ ok: false, error: 'invalid_input', fields: ['name'] });
    h.requestHeaders = new Headers({ origin: 'http://localhost:4444', 'sec-fetch-site': 'same-site' });
    expect(await action()({ name: 'maria' })).toMatchObject({ ok: false, error: 'csrf_rejected' });
    h.requestHeaders = new Headers();
    expect(await action()({ name: 'maria' })).toMatchObject({ ok: false, error: 'csrf_rejected' });
  });

  it('returns typed refusals as results', async () => {
    const signIn = h.auth.publicAction({ resource: 'action:approvals.signIn', input: z.object({ password: z.string() }) }, ({ password }) =>
      h.auth.approvals.signIn({ email: 'maria@example.com', password, requestId: REQUEST_ID, state: STATE }),
    );
    expect(await signIn({ password: 'throttle' })).toEqual({ ok: false, error: 'rate_limited', message: 'Too many sign-in attempts. Try again in 17 seconds.' });
  });
});

describe('the browser address approvals and step-up pass on', () => {
  it('is never one the browser chose: entries left of the proxy and a forged address header are ignored', async () => {
    h.requestHeaders = new Headers({
      origin: APP,
      'sec-fetch-site': 'same-origin',
      'x-forwarded-for': '198.51.100.1, 203.0.113.9',
      [CLIENT_ADDRESS_HEADER]: '198.51.100.2',
      'user-agent': 'popup-browser',
    });
    await h.auth.approvals.signIn({ email: 'maria@example.com', password: 'right', requestId: REQUEST_ID, state: STATE });
    const { token } = await h.signIn();
    await h.auth.stepUp({ accessToken: token.accessToken, password: 'right' });
    expect(h.backend.callsTo('/v1/approvals/sign-in')[0]?.headers[CLIENT_ADDRESS_HEADER]).toBe('203.0.113.9');
    expect(h.backend.callsTo('/v1/auth/step-up')[0]?.headers[CLIENT_ADDRESS_HEADER]).toBe('203.0.113.9');
  });
});

describe('stepUp', () => {
  it("checks the password with the user's own access token, server-side", async () => {
    const { token } = await h.signIn('ADMIN');
    expect(await h.auth.stepUp({ accessToken: token.accessToken, password: 'right' })).toEqual({ stepUpAt: h.clock.now() });
    expect(h.backend.callsTo('/v1/auth/step-up')[0]?.headers.authorization).toBe(`Bearer ${token.accessToken}`);
    expect(h.backend.callsTo('/v1/auth/step-up')[0]?.headers[CLIENT_ADDRESS_HEADER]).toBe('203.0.113.9');
    await expect(h.auth.stepUp({ accessToken: token.accessToken, password: 'wrong' })).rejects.toBeInstanceOf(InvalidCredentialsError);
  });
});
