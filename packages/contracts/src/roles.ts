/** The three roles a Portcullis user can hold, from least to most privileged. */
export const ROLES = ['USER', 'MANAGER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Every scope the user-service knows. A token carries only the scopes its role needs. */
export const SCOPES = ['profile:read', 'sessions:manage', 'requests:write', 'approvals:grant', 'users:admin', 'audit:read'] as const;
export type Scope = (typeof SCOPES)[number];

// Least privilege (OWASP ASVS 5.0 §8.2): each role gets the smallest set of scopes its work needs.
const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = Object.freeze({
  USER: ['profile:read', 'sessions:manage', 'requests:write'],
  MANAGER: ['profile:read', 'sessions:manage', 'requests:write', 'approvals:grant'],
  ADMIN: ['profile:read', 'sessions:manage', 'requests:write', 'approvals:grant', 'users:admin', 'audit:read'],
});

export function scopesForRole(role: Role): readonly Scope[] {
  return ROLE_SCOPES[role];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `held` is `required` or a role above it. */
export function roleAtLeast(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}
