import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/deferred.js';
import { TicketSeal } from './ticket-seal.js';

const SECRET = 'test-secret-test-secret-test-secret-0123';
const TICKET = 'T'.repeat(43);
const binding = { requestId: '7b0e2f4e-8d2c-4f0b-9a53-1f9f2d7c6a10', state: 's'.repeat(43) };

describe('TicketSeal', () => {
  it('hides the ticket from the browser and gives it back only for the same request and state', () => {
    const clock = new ManualClock();
    const seal = new TicketSeal({ secret: SECRET, now: clock.now });
    const sealed = seal.seal(TICKET, clock.now() + 300_000, binding);
    expect(sealed).not.toContain(TICKET);
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(TICKET);
    expect(seal.open(sealed, binding)).toBe(TICKET);
  });

  it('refuses another state, another request, a tampered seal, another secret and an expired seal', () => {
    const clock = new ManualClock();
    const seal = new TicketSeal({ secret: SECRET, now: clock.now });
    const sealed = seal.seal(TICKET, clock.now() + 300_000, binding);
    expect(seal.open(sealed, { ...binding, state: 'x'.repeat(43) })).toBeNull();
    expect(seal.open(sealed, { ...binding, requestId: '00000000-0000-4000-8000-000000000000' })).toBeNull();
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    expect(seal.open(flipped.toString('base64url'), binding)).toBeNull();
    expect(new TicketSeal({ secret: `${SECRET}-other`, now: clock.now }).open(sealed, binding)).toBeNull();
    expect(seal.open('not a seal', binding)).toBeNull();
    clock.advance(300_000);
    expect(seal.open(sealed, binding)).toBeNull();
  });
});
