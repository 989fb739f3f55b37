import { and, count, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { AdminUser, MfaStatus, Role } from '@portcullis/contracts';
import type { Db } from '../db/database.js';
import { passkeys, recoveryCodes, totpFactors } from '../db/schema.js';
import { toAdminUser, type UserRow } from './user-store.js';

/** Whether a second factor is required of a user: by their role (MFA_REQUIRED_ROLES) or by an admin's choice. */
export function mfaRequiredOf(user: Pick<UserRow, 'role' | 'mfaRequired'>, requiredRoles: ReadonlySet<Role>): boolean {
  return user.mfaRequired || requiredRoles.has(user.role);
}

/**
 * Which second factors users have, as admins see them: a confirmed TOTP app, how many passkeys, how many recovery
 * codes are left, and whether a factor is required. Counts only, never a secret. Three grouped queries per page,
 * whatever its size.
 */
export class FactorOverview {
  constructor(
    private readonly db: Db,
    private readonly requiredRoles: ReadonlySet<Role>,
  ) {}

  async statusOf(rows: readonly UserRow[]): Promise<Map<string, MfaStatus>> {
    const ids = rows.map((row) => row.id);
    if (ids.length === 0) return new Map();
    const [totp, keys, codes] = await Promise.all([
      // An unconfirmed enrolment is no factor: the user never proved their app has the secret (RFC 6238 §5.1).
      this.db
        .select({ userId: totpFactors.userId })
        .from(totpFactors)
        .where(and(inArray(totpFactors.userId, ids), isNotNull(totpFactors.confirmedAt))),
      this.db.select({ userId: passkeys.userId, count: count() }).from(passkeys).where(inArray(passkeys.userId, ids)).groupBy(passkeys.userId),
      this.db
        .select({ userId: recoveryCodes.userId, count: count() })
        .from(recoveryCodes)
        .where(and(inArray(recoveryCodes.userId, ids), isNull(recoveryCodes.usedAt)))
        .groupBy(recoveryCodes.userId),
    ]);
    const withTotp = new Set(totp.map((row) => row.userId));
    const passkeyCounts = new Map(keys.map((row) => [row.userId, row.count]));
    const codeCounts = new Map(codes.map((row) => [row.userId, row.count]));
    return new Map(
      rows.map((row) => [
        row.id,
        {
          totp: withTotp.has(row.id),
          passkeys: passkeyCounts.get(row.id) ?? 0,
          recoveryCodesLeft: codeCounts.get(row.id) ?? 0,
          required: mfaRequiredOf(row, this.requiredRoles),
        },
      ]),
    );
  }

  /** The users as the admin API shows them, each with their factors. */
  async adminUsers(rows: readonly UserRow[]): Promise<AdminUser[]> {
    const statuses = await this.statusOf(rows);
    return rows.map((row) => this.#adminUser(row, statuses));
  }

  async adminUser(row: UserRow): Promise<AdminUser> {
    return this.#adminUser(row, await this.statusOf([row]));
  }

  #adminUser(row: UserRow, statuses: ReadonlyMap<string, MfaStatus>): AdminUser {
    const mfa = statuses.get(row.id) ?? { totp: false, passkeys: 0, recoveryCodesLeft: 0, required: mfaRequiredOf(row, this.requiredRoles) };
    return { ...toAdminUser(row), mfa };
  }
}
