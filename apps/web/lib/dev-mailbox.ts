import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { devMailboxMessageSchema, type DevMailboxMessage } from '@portcullis/contracts';
import { parseEnv } from './env';

/** How many of the newest messages the list shows. */
const LISTED = 100;
const MESSAGE_FILE = /^([0-9]{15}-[0-9a-f]{8})\.json$/;

/** The development mailbox's directory, or undefined when this is not a development start (then the page is absent). */
export function devMailboxDirectory(): string | undefined {
  return parseEnv(process.env).devMailboxDir;
}

/** The newest messages first; a directory the service has not made yet is an empty mailbox. */
export async function listDevMail(directory: string, limit = LISTED): Promise<DevMailboxMessage[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const ids = names
    .flatMap((name) => MESSAGE_FILE.exec(name)?.[1] ?? [])
    .sort()
    .reverse()
    .slice(0, limit);
  const messages = await Promise.all(ids.map((id) => readDevMail(directory, id)));
  return messages.filter((message): message is DevMailboxMessage => message !== null);
}

/** One message by id; null for an id that is not one (never a path: the id must have the service's exact shape). */
export async function readDevMail(directory: string, id: string): Promise<DevMailboxMessage | null> {
  if (!devMailboxMessageSchema.shape.id.safeParse(id).success) return null;
  try {
    const parsed = devMailboxMessageSchema.safeParse(JSON.parse(await readFile(join(directory, `${id}.json`), 'utf8')));
    return parsed.success && parsed.data.id === id ? parsed.data : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return null;
    throw error;
  }
}
