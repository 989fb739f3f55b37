import { webcrypto } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { APPROVAL_MESSAGE_TYPE, isApprovalMessage, isExactOrigin } from './approval-message.js';
import { ApprovalPopupError, openApprovalPopup, type IgnoredMessageReason } from './open-approval-popup.js';
import { openStepUpPopup, STEP_UP_REQUEST_ID } from './open-step-up-popup.js';
import { sendApprovalResult } from './send-approval-result.js';

const APP = 'http://localhost:3000';

type Listener = (event: MessageEvent) => void;

/** Just enough of a browser window for the popup helpers: open, messages, timers, crypto. */
class FakeWindow {
  closed = false;
  opener: FakeWindow | null = null;
  openedUrl: string | undefined;
  popup: FakeWindow | null = null;
  readonly posted: Array<{ message: unknown; targetOrigin: string }> = [];
  readonly #listeners = new Set<Listener>();
  readonly crypto = webcrypto as unknown as Crypto;
  readonly location: { href: string };
  blockPopups = false;

  constructor(href = `${APP}/requests`) {
    this.location = { href };
  }

  open(url: string): FakeWindow | null {
    if (this.blockPopups) return null;
    this.openedUrl = url;
    this.popup = new FakeWindow(url);
    this.popup.opener = this;
    return this.popup;
  }

  close(): void {
    this.closed = true;
  }

  postMessage(message: unknown, targetOrigin: string): void {
    this.posted.push({ message, targetOrigin });
  }

  addEventListener(_type: 'message', listener: Listener): void {
    this.#listeners.add(listener);
  }

  removeEventListener(_type: 'message', listener: Listener): void {
    this.#listeners.delete(listener);
  }

  deliver(data: unknown, origin: string, source: unknown): void {
    for (const listener of this.#listeners) listener({ data, origin, source } as MessageEvent);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  setTimeout = (callback: () => void, ms: number) => setTimeout(callback, ms);
  clearTimeout = (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle);
  setInterval = (callback: () => void, ms: number) => setInterval(callback, ms);
  clearInterval = (handle: ReturnType<typeof setInterval>) => clearInterval(handle);
}

function asWindow(fake: FakeWindow): Window {
  return fake as unknown as Window;
}

function stateOf(fake: FakeWindow): string {
  return new URL(fake.openedUrl ?? '').searchParams.get('state') ?? '';
}

describe('approval popup messages', () => {
  it('accept only exact origins', () => {
    expect(isExactOrigin(APP)).toBe(true);
    for (const bad of ['*', 'null', `${APP}/`, `${APP}/path`, 'localhost:3000', 'javascript:alert(1)', '']) expect(isExactOrigin(bad)).toBe(false);
  });

  it('accept only the exact message shape', () => {
    const good = { type: APPROVAL_MESSAGE_TYPE, requestId: 'r-1', state: 'a'.repeat(43), result: 'approved' };
    expect(isApprovalMessage(good)).toBe(true);
    expect(isApprovalMessage({ ...good, accessToken: 'eyJ...' })).toBe(false);
    expect(isApprovalMessage({ ...good, result: 'granted' })).toBe(false);
    expect(isApprovalMessage({ ...good, state: 'short' })).toBe(false);
    expect(isApprovalMessage('approved')).toBe(false);
    expect(isApprovalMessage(null)).toBe(false);
  });
});

describe('openApprovalPopup', () => {
  let opener: FakeWindow;
  let ignored: Array<[IgnoredMessageReason, string]>;

  beforeEach(() => {
    vi.useFakeTimers();
    opener = new FakeWindow();
    ignored = [];
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  function open(overrides: { trustedOrigins?: string[]; timeoutMs?: number } = {}) {
    return openApprovalPopup({
      url: '/approve',
      requestId: 'req-1',
      trustedOrigins: overrides.trustedOrigins ?? [APP],
      timeoutMs: overrides.timeoutMs ?? 60_000,
      window: asWindow(opener),
      onIgnoredMessage: (reason, origin) => ignored.push([reason, origin]),
    });
  }

  it("opens the approval page with the request id and a fresh state, and resolves on the popup's answer", async () => {
    const outcome = open();
    const popup = opener.popup;
    const state = stateOf(opener);
    expect(new URL(opener.openedUrl ?? '').pathname).toBe('/approve');
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    opener.deliver({ type: APPROVAL_MESSAGE_TYPE, requestId: 'req-1', state, result: 'approved' }, APP, popup);
    await expect(outcome).resolves.toEqual({ requestId: 'req-1', result: 'approved', state });
    expect(opener.listenerCount).toBe(0);
  });

  it('ignores forged messages: other origins (incl. look-alikes and "null"), other windows, wrong state or request', async () => {
    const outcome = open();
    const popup = opener.popup;
    const state = stateOf(opener);
    const message = { type: APPROVAL_MESSAGE_TYPE, requestId: 'req-1', state, result: 'approved' };
    opener.deliver(message, 'http://localhost:4444', popup);
    opener.deliver(message, `${APP}.evil.example`, popup);
    opener.deliver(message, 'null', popup);
    opener.deliver(message, APP, new FakeWindow());
    opener.deliver({ ...message, state: 'b'.repeat(43) }, APP, popup);
    opener.deliver({ ...message, requestId: 'req-2' }, APP, popup);
    opener.deliver('hello', APP, popup);
    expect(ignored.map(([reason]) => reason)).toEqual([
      'untrusted_origin',
      'untrusted_origin',
      'untrusted_origin',
      'other_window',
      'wrong_state',
      'wrong_request',
      'bad_shape',
    ]);
    opener.deliver({ ...message, result: 'rejected' }, APP, popup);
    await expect(outcome).resolves.toMatchObject({ result: 'rejected' });
  });

  it('ignores a replay of an answered state', async () => {
    const first = open();
    const firstPopup = opener.popup;
    const state = stateOf(opener);
    const message = { type: APPROVAL_MESSAGE_TYPE, requestId: 'req-1', state, result: 'approved' };
    opener.deliver(message, APP, firstPopup);
    await first;
    const second = open({ timeoutMs: 1000 });
    opener.deliver(message, APP, opener.popup);
    expect(ignored).toContainEqual(['state_used', APP]);
    vi.advanceTimersByTime(1000);
    await expect(second).rejects.toMatchObject({ code: 'timeout' });
  });

  it('takes an answer that arrives just after the popup closed itself', async () => {
    const answered = open();
    const popup = opener.popup;
    const state = stateOf(opener);
    popup?.close();
    // The poll sees the popup closed before the message it posted is delivered.
    vi.advanceTimersByTime(500);
    opener.deliver({ type: APPROVAL_MESSAGE_TYPE, requestId: 'req-1', state, result: 'approved' }, APP, popup);
    await expect(answered).resolves.toMatchObject({ result: 'approved', state });
  });

  it('rejects when the popup is blocked, closed, silent too long, or sends a malformed answer of ours', async () => {
    const opened: string[] = [];
    opener.blockPopups = true;
    await expect(
      openApprovalPopup({ url: '/approve', requestId: 'req-1', trustedOrigins: [APP], window: asWindow(opener), onOpened: ({ state }) => opened.push(state) }),
    ).rejects.toMatchObject({ code: 'popup_blocked' });
    // Nothing is reported as opened (so nothing is recorded as asked) when the browser blocked the popup.
    expect(opened).toEqual([]);
    opener.blockPopups = false;

    const closed = open();
    const closedState = stateOf(opener);
    opener.popup?.close();
    vi.advanceTimersByTime(1000);
    await expect(closed).rejects.toBeInstanceOf(ApprovalPopupError);
    await expect(closed).rejects.toMatchObject({ code: 'popup_closed' });
    // The page keeps the attempt's state, to ask the server whether the popup decided without telling us.
    await expect(closed).rejects.toMatchObject({ state: closedState });

    const silent = open({ timeoutMs: 2000 });
    const silentPopup = opener.popup;
    vi.advanceTimersByTime(2000);
    await expect(silent).rejects.toMatchObject({ code: 'timeout' });
    expect(silentPopup?.closed).toBe(true);

    const malformed = open();
    opener.deliver({ type: APPROVAL_MESSAGE_TYPE, requestId: 'req-1', state: stateOf(opener), result: 'approved', token: 'x' }, APP, opener.popup);
    await expect(malformed).rejects.toMatchObject({ code: 'bad_message' });
  });

  it('refuses wildcard or "null" trusted origins and approval pages on other origins', () => {
    expect(() => open({ trustedOrigins: ['*'] })).toThrow(TypeError);
    expect(() => open({ trustedOrigins: ['null'] })).toThrow(TypeError);
    expect(() => openApprovalPopup({ url: 'https://evil.example/approve', requestId: 'r', trustedOrigins: [APP], window: asWindow(opener) })).toThrow(TypeError);
  });
});

describe('openStepUpPopup', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens the step-up page over the same mechanism and resolves true only on a confirmed password', async () => {
    const opener = new FakeWindow(`${APP}/admin`);
    const confirmed = openStepUpPopup({ url: '/step-up', trustedOrigins: [APP], window: asWindow(opener) });
    const target = new URL(opener.openedUrl ?? '');
    expect(target.pathname).toBe('/step-up');
    expect(target.searchParams.get('requestId')).toBe(STEP_UP_REQUEST_ID);
    opener.deliver({ type: APPROVAL_MESSAGE_TYPE, requestId: STEP_UP_REQUEST_ID, state: stateOf(opener), result: 'approved' }, 'http://localhost:4444', opener.popup);
    opener.deliver({ type: APPROVAL_MESSAGE_TYPE, requestId: STEP_UP_REQUEST_ID, state: stateOf(opener), result: 'approved' }, APP, opener.popup);
    await expect(confirmed).resolves.toBe(true);

    const cancelled = openStepUpPopup({ url: '/step-up', trustedOrigins: [APP], window: asWindow(opener) });
    opener.deliver({ type: APPROVAL_MESSAGE_TYPE, requestId: STEP_UP_REQUEST_ID, state: stateOf(opener), result: 'cancelled' }, APP, opener.popup);
    await expect(cancelled).resolves.toBe(false);
  });
});

describe('sendApprovalResult', () => {
  it('posts to the exact opener origin, never "*", with no credential, and closes the popup', () => {
    const opener = new FakeWindow();
    const popup = opener.open(`${APP}/approve`) ?? new FakeWindow();
    const sent = sendApprovalResult({ openerOrigin: APP, requestId: 'req-1', state: 'c'.repeat(43), result: 'approved', window: asWindow(popup) });
    expect(sent).toBe(true);
    expect(opener.posted).toEqual([{ message: { type: APPROVAL_MESSAGE_TYPE, requestId: 'req-1', state: 'c'.repeat(43), result: 'approved' }, targetOrigin: APP }]);
    expect(popup.closed).toBe(true);
  });

  it('says so when the opener is gone, and refuses "*" as a target', () => {
    const orphan = new FakeWindow(`${APP}/approve`);
    expect(sendApprovalResult({ openerOrigin: APP, requestId: 'r', state: 'c'.repeat(43), result: 'approved', window: asWindow(orphan) })).toBe(false);
    expect(() => sendApprovalResult({ openerOrigin: '*', requestId: 'r', state: 'c'.repeat(43), result: 'approved', window: asWindow(orphan) })).toThrow(TypeError);
  });
});
