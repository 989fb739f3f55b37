import { describe, expect, it } from 'vitest';
import { ValuePool } from './value-pool.js';

const anything = (): boolean => true;

describe('the pool of ids the API handed out', () => {
  it('gathers id-like keys at any depth, once each', () => {
    const pool = new ValuePool();
    pool.harvest({ users: [{ id: 'u1', name: 'Alice' }, { id: 'u2' }], request: { requestId: 'r1', id: 'u1' } }, '/v1/users');

    expect([0, 1, 2, 3].map((index) => pool.pick(index, anything, '/v1/users'))).toEqual(['u1', 'u2', 'r1', 'u1']);
  });

  it('offers a path the ids its own collection answered before any other', () => {
    const pool = new ValuePool();
    pool.harvest({ requests: [{ id: 'r1' }] }, '/v1/requests');
    pool.harvest({ users: [{ id: 'u1' }] }, '/v1/users');

    expect(pool.pick(0, anything, '/v1/users')).toBe('u1');
    expect(pool.pick(5, anything, '/v1/requests')).toBe('r1');
    expect(pool.pick(1, anything, '/v1/elsewhere')).toBe('u1');
  });

  it('never offers a protected id, nor one the parameter would refuse', () => {
    const pool = new ValuePool();
    pool.protect('own-account');
    pool.harvest({ users: [{ id: 'own-account' }, { id: 'other' }, { id: 'x'.repeat(200) }] }, '/v1/users');

    expect(pool.pick(0, anything, '/v1/users')).toBe('other');
    expect(pool.pick(1, anything, '/v1/users')).toBe('other');
    expect(pool.pick(0, (value) => value.startsWith('z'), '/v1/users')).toBeUndefined();
  });
});
