import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LOG_DIR } from './redaction-check.js';

export type LogLine = Record<string, unknown>;

/** The structured (JSON) lines a harness process has written so far; its other output is skipped. */
export function logLines(name: 'web' | 'user-service'): LogLine[] {
  const file = path.join(LOG_DIR, `${name}.log`);
  if (!existsSync(file)) return [];
  const lines: LogLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // A line still being written.
    }
  }
  return lines;
}
