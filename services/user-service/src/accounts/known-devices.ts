import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { addressBucket } from '@portcullis/contracts';
import type { DbTransaction } from '../db/database.js';
import { knownDevices } from '../db/schema.js';

/** What a sign-in's device was to the account: its first device ever, one seen before, or a new one. */
export type DeviceFamiliarity = 'first' | 'known' | 'new';

/**
 * A device is its browser's user agent and its network (an IPv6 client by its /64), hashed: the table needs only to
 * recognise a device again, the raw values stay with the sessions that already hold them.
 */
export function deviceHash(client: { userAgent: string | null; ip: string | null }): string {
  const network = client.ip === null ? '' : (addressBucket(client.ip) ?? client.ip);
  return createHash('sha256')
    .update(JSON.stringify([client.userAgent ?? '', network]))
    .digest('base64url');
}

/**
 * Records a sign-in of `userId` from `device` at `at` and says what the device was. Runs in the caller's transaction so
 * the notice it may cause commits with it; the account's earlier devices are counted by the insert's own statement, whose
 * snapshot does not yet hold the new row.
 */
export async function rememberDevice(tx: DbTransaction, sighting: { userId: string; device: string; at: Date }): Promise<DeviceFamiliarity> {
  const { userId, device, at } = sighting;
  const [inserted] = await tx
    .insert(knownDevices)
    .values({ userId, deviceHash: device, firstSeenAt: at, lastSeenAt: at })
    .onConflictDoNothing()
    .returning({ earlier: sql<number>`(select count(*)::int from ${knownDevices} where ${knownDevices.userId} = ${userId})` });
  if (inserted === undefined) {
    await tx
      .update(knownDevices)
      .set({ lastSeenAt: at })
      .where(and(eq(knownDevices.userId, userId), eq(knownDevices.deviceHash, device)));
    return 'known';
  }
  return Number(inserted.earlier) === 0 ? 'first' : 'new';
}
