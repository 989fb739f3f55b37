import { and, count, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { AdminUser, MfaStatus } from '@portcullis/contracts';
import type { ServiceContext } from '../context.js';
import { passkeys, recoveryCodes, totpFactors } from '../db/schema.js';
import { mfaRequiredOf } from '../mfa/mfa-factors.js';
import { toAdminUser, type UserRow } from './user-store.js';

/**
 * Which second factors users have, as admins see them: a confirmed TOTP app, how many passkeys, how many recovery
 * codes are left, and whether a factor is required. Counts only, never a secret. Three grouped queries per page,
 * whatever its size.
 */
export class FactorOverview {
  constructor(private readonly context: Pick<ServiceContext, 'config' | 'database'>) {}

  async statusOf(rows: readonly UserRow[]): Promise<Map<string, MfaStatus>> {
    const ids = rows.map((row) => row.id);
    if (ids.length === 0) return new Map();
    const [totp, keys, codes] = await Promise.all([
      // An unconfirmed enrolment is no factor: no code has proven yet that the user's app holds the secret.
      this.context.database.db
        .select({ userId: totpFactors.userId })
        .from(totpFactors)
        .where(and(inArray(totpFactors.userId, ids), isNotNull(totpFactors.confirmedAt))),
      this.context.database.db.select({ userId: passkeys.userId, count: count() }).from(passkeys).where(inArray(passkeys.userId, ids)).groupBy(passkeys.userId),
      this.context.database.db
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
          required: mfaRequiredOf(this.context, row),
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
    const mfa = statuses.get(row.id) ?? { totp: false, passkeys: 0, recoveryCodesLeft: 0, required: mfaRequiredOf(this.context, row) };
    return { ...toAdminUser(row), mfa };
  }
}
