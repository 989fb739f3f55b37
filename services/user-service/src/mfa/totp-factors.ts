import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { Clock } from '../clock.js';
import type { Db, DbTransaction } from '../db/database.js';
import { totpFactors } from '../db/schema.js';
import type { SecretSealer } from './secret-sealer.js';

/** RFC 6238 §4: 30-second steps, 6 digits, HMAC-SHA-1 (what every authenticator app understands). */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const ALGORITHM = 'SHA1';
/** RFC 6238 §5.2: one step of drift either way. */
const DRIFT_STEPS = 1;
/** RFC 4226 §4: a shared secret of at least 128 bits, 160 recommended. */
const SECRET_BYTES = 20;

/** What checking a code found: its time step when it matched (not yet spent), or why it was refused. */
export type TotpCheck = { readonly kind: 'matched'; readonly step: number } | { readonly kind: 'wrong' } | { readonly kind: 'no_factor' };

/**
 * A user's TOTP authenticator (RFC 6238). The secret is sealed at rest; a code is spent by raising `last_used_step`
 * in one conditional update, so the same code (or an older one) never works twice (RFC 6238 §5.2).
 */
export class TotpFactors {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sealer: () => Promise<SecretSealer>,
    private readonly issuer: string,
  ) {}

  /** Whether the user has a confirmed TOTP factor. */
  async has(userId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ userId: totpFactors.userId })
      .from(totpFactors)
      .where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt)))
      .limit(1);
    return row !== undefined;
  }

  /**
   * A new, unconfirmed secret for the user (replacing an unconfirmed one); null when a confirmed factor exists, which
   * must be removed first (with step-up) rather than silently replaced.
   */
  async begin(user: { id: string; email: string }): Promise<{ secret: string; otpauthUrl: string; qrCodeSvg: string } | null> {
    const secret = new Secret({ size: SECRET_BYTES });
    const sealed = await (await this.sealer()).seal(secret.base32);
    const now = new Date(this.clock.now());
    const [written] = await this.db
      .insert(totpFactors)
      .values({ userId: user.id, secretSealed: sealed, createdAt: now })
      .onConflictDoUpdate({ target: totpFactors.userId, set: { secretSealed: sealed, createdAt: now, lastUsedStep: null }, where: isNull(totpFactors.confirmedAt) })
      .returning({ userId: totpFactors.userId });
    if (written === undefined) return null;
    const totp = new TOTP({ issuer: this.issuer, label: user.email, secret, algorithm: ALGORITHM, digits: DIGITS, period: PERIOD_SECONDS });
    const otpauthUrl = totp.toString();
    return { secret: secret.base32, otpauthUrl, qrCodeSvg: await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
  }

  /** Checks a code against the user's secret (confirmed, or the one being enrolled) without spending it. */
  async check(userId: string, code: string, state: 'confirmed' | 'pending'): Promise<TotpCheck> {
    const [row] = await this.db
      .select()
      .from(totpFactors)
      .where(and(eq(totpFactors.userId, userId), state === 'confirmed' ? isNotNull(totpFactors.confirmedAt) : isNull(totpFactors.confirmedAt)))
      .limit(1);
    if (row === undefined) return { kind: 'no_factor' };
    const base32 = await (await this.sealer()).open(row.secretSealed);
    if (base32 === null) return { kind: 'no_factor' };
    const timestamp = this.clock.now();
    const delta = TOTP.validate({
      token: code,
      secret: Secret.fromBase32(base32),
      algorithm: ALGORITHM,
      digits: DIGITS,
      period: PERIOD_SECONDS,
      timestamp,
      window: DRIFT_STEPS,
    });
    if (delta === null) return { kind: 'wrong' };
    const step = TOTP.counter({ period: PERIOD_SECONDS, timestamp }) + delta;
    // RFC 6238 §5.2: a code of a step at or before the last one used is a replay.
    if (row.lastUsedStep !== null && row.lastUsedStep >= step) return { kind: 'wrong' };
    return { kind: 'matched', step };
  }

  /** Spends a matched code of a confirmed factor: true for exactly one of concurrent callers with the same step. */
  async spend(userId: string, step: number): Promise<boolean> {
    const [spent] = await this.db
      .update(totpFactors)
      .set({ lastUsedStep: step })
      .where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt), or(isNull(totpFactors.lastUsedStep), lt(totpFactors.lastUsedStep, step))))
      .returning({ userId: totpFactors.userId });
    return spent !== undefined;
  }

  /** Confirms the enrolment with the step of its first valid code (spent with it); false when it raced another confirm. */
  async confirm(userId: string, step: number, tx: Db | DbTransaction = this.db): Promise<boolean> {
    const [confirmed] = await tx
      .update(totpFactors)
      .set({ confirmedAt: new Date(this.clock.now()), lastUsedStep: step })
      .where(and(eq(totpFactors.userId, userId), isNull(totpFactors.confirmedAt)))
      .returning({ userId: totpFactors.userId });
    return confirmed !== undefined;
  }

  /** Removes the user's TOTP factor; whether there was a confirmed one. */
  async remove(userId: string): Promise<boolean> {
    const removed = await this.db.delete(totpFactors).where(eq(totpFactors.userId, userId)).returning({ confirmedAt: totpFactors.confirmedAt });
    return removed.some((row) => row.confirmedAt !== null);
  }
}
