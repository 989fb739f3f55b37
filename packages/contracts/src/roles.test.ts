import { describe, expect, it } from 'vitest';
import { roleAtLeast, scopesForRole } from './roles.js';

describe('roles and scopes', () => {
  it('gives USER only everyday scopes', () => {
    expect(scopesForRole('USER')).not.toContain('users:admin');
    expect(scopesForRole('USER')).not.toContain('approvals:grant');
  });

  it('gives each role every scope of the roles below it', () => {
    for (const scope of scopesForRole('USER')) expect(scopesForRole('MANAGER')).toContain(scope);
    for (const scope of scopesForRole('MANAGER')) expect(scopesForRole('ADMIN')).toContain(scope);
  });

  it('orders roles', () => {
    expect(roleAtLeast('ADMIN', 'MANAGER')).toBe(true);
    expect(roleAtLeast('USER', 'MANAGER')).toBe(false);
  });
});
