import { createHash, randomInt } from 'node:crypto';
import { and, count, eq, isNull } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db, DbTransaction } from '../db/database.js';
import { recoveryCodes } from '../db/schema.js';

/** RFC 4648 base32, lower case: no 0/1/8/9, nothing to confuse with O, I, B or g when copied by hand. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CODES_PER_GENERATION = 10;
/** 10 characters of 5 bits: 50 random bits a code, beyond online guessing (OWASP ASVS 5.0 §6.5.2: at least 20 bits). */
const CODE_LENGTH = 10;

type Writer = Db | DbTransaction;

function newCode(): string {
  const characters = Array.from({ length: CODE_LENGTH }, () => ALPHABET.charAt(randomInt(ALPHABET.length)));
  return `${characters.slice(0, 5).join('')}-${characters.slice(5).join('')}`;
}

/** The stored form: SHA-256 of the code without its dash, in lower case (OWASP ASVS 5.0 §6.5.3: stored hashed). */
function hashOf(code: string): string {
  return createHash('sha256').update(code.replace('-', '').toLowerCase()).digest('base64url');
}

/** Single-use recovery codes, ten per generation, shown once and kept only as hashes. */
export class RecoveryCodes {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Ten new codes for the user; every earlier one dies in the same transaction. */
  async regenerate(tx: Writer, userId: string): Promise<string[]> {
    const codes = Array.from({ length: CODES_PER_GENERATION }, newCode);
    const createdAt = new Date(this.clock.now());
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codes.map((code) => ({ userId, codeHash: hashOf(code), createdAt })));
    return codes;
  }

  /** Spends a code: one conditional update, so of concurrent uses of one code exactly one succeeds. */
  async spend(tx: Writer, userId: string, code: string): Promise<boolean> {
    const [spent] = await tx
      .update(recoveryCodes)
      .set({ usedAt: new Date(this.clock.now()) })
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashOf(code)), isNull(recoveryCodes.usedAt)))
      .returning({ userId: recoveryCodes.userId });
    return spent !== undefined;
  }

  /** Codes not yet spent; inside a transaction, read through it (`reader`). */
  async countLeft(userId: string, reader: Writer = this.db): Promise<number> {
    const [row] = await reader
      .select({ left: count() })
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
    return row?.left ?? 0;
  }

  async removeAll(tx: Writer, userId: string): Promise<void> {
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  }
}
