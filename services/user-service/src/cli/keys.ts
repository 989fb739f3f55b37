import { parseArgs } from 'node:util';
import { desc } from 'drizzle-orm';
import { signingKeys } from '../db/schema.js';
import { rotateSigningKey } from '../tokens/signing-keys.js';
import { cliAuditLog, fail, openCliDatabase, systemClock } from './cli-context.js';

export const KEYS_USAGE = `Usage:
  portcullis-user-service keys rotate   add a new signing key; the old one stays in the JWKS until its tokens have expired
  portcullis-user-service keys list     show signing keys (public data only)`;

function parsePositionals(args: readonly string[]): string[] {
  try {
    return parseArgs({ args: [...args], allowPositionals: true }).positionals;
  } catch (error) {
    // An unknown option: say so with the usage, not with a stack trace.
    fail(`${error instanceof Error ? error.message : String(error)}\n${KEYS_USAGE}`);
  }
}

/** `portcullis-user-service keys …`: rotates and lists the signing keys kept in the configured database. */
export async function runKeysCommand(args: readonly string[]): Promise<void> {
  const positionals = parsePositionals(args);
  const command = positionals[0];
  if (command !== 'rotate' && command !== 'list') fail(KEYS_USAGE);

  const { config, database } = await openCliDatabase();
  try {
    if (config.signingKey !== undefined) fail('SIGNING_KEY is set: keys come from configuration; rotate them there.');
    if (command === 'rotate') {
      const { kid, retired } = await rotateSigningKey(database.db, config.signingAlg, systemClock);
      await cliAuditLog(database).record({ type: 'key.rotated', userAgent: 'portcullis-cli', detail: { kid, alg: config.signingAlg, retired: retired.join(',') } });
      console.log(`New signing key ${kid} (${config.signingAlg}); retired ${retired.join(', ') || 'none'}.`);
      console.log('Running instances pick it up within a minute; retired keys stay published until their tokens expire.');
    } else {
      const rows = await database.db
        .select({ kid: signingKeys.kid, alg: signingKeys.alg, createdAt: signingKeys.createdAt, retiredAt: signingKeys.retiredAt })
        .from(signingKeys)
        .orderBy(desc(signingKeys.createdAt));
      for (const row of rows)
        console.log(`${row.kid}\t${row.alg}\tcreated ${row.createdAt.toISOString()}\t${row.retiredAt === null ? 'active' : `retired ${row.retiredAt.toISOString()}`}`);
    }
  } finally {
    await database.close();
  }
}
