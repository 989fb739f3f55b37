import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const e2eDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the harness writes every process's output (processes.ts). */
export const LOG_DIR = path.join(e2eDir, 'test-results', 'logs');
/** Where token-tap.mjs records the secrets the processes issue; outside LOG_DIR so it is never scanned as a log. */
const TOKEN_FILE = path.join(e2eDir, 'test-results', 'issued-secrets.txt');

// Compact JWS (access tokens) and JWE (NextAuth session cookies): whatever process issued them, none belongs in a log.
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{8,}/;

export interface Leak {
  file: string;
  line: number;
  kind: 'password' | 'issued secret' | 'JWT/JWE';
  /** Enough to recognise the secret, never the secret itself. */
  hint: string;
}

export interface LogFile {
  file: string;
  text: string;
}

function hint(secret: string): string {
  return `${secret.slice(0, 4)}… (${secret.length} chars)`;
}

/** Every line of every log that contains the password, an issued secret or anything shaped like a JWT/JWE. */
export function findLeaks(logs: readonly LogFile[], secrets: { password: string; issued: readonly string[] }): Leak[] {
  const issued = [...new Set(secrets.issued)].filter((secret) => secret.length >= 16);
  const leaks: Leak[] = [];
  for (const { file, text } of logs) {
    text.split('\n').forEach((content, index) => {
      const line = index + 1;
      if (content.includes(secrets.password)) leaks.push({ file, line, kind: 'password', hint: hint(secrets.password) });
      for (const secret of issued) if (content.includes(secret)) leaks.push({ file, line, kind: 'issued secret', hint: hint(secret) });
      const jwt = JWT_SHAPE.exec(content)?.[0];
      if (jwt) leaks.push({ file, line, kind: 'JWT/JWE', hint: hint(jwt) });
    });
  }
  return leaks;
}

/** Environment that loads token-tap.mjs into a process and points it at TOKEN_FILE (emptied here, once per run). */
export function startTokenTap(): Record<string, string> {
  mkdirSync(path.dirname(TOKEN_FILE), { recursive: true });
  writeFileSync(TOKEN_FILE, '');
  return tokenTapEnv();
}

/** The same environment for processes a spec starts itself (the run's TOKEN_FILE is kept, not emptied). */
export function tokenTapEnv(): Record<string, string> {
  return { NODE_OPTIONS: `--import=${pathToFileURL(path.join(e2eDir, 'harness', 'token-tap.mjs')).href}`, E2E_TOKEN_FILE: TOKEN_FILE };
}

/** Records a secret the tests received another way (a token in a mail link) so the redaction check looks for it too. */
export function recordIssuedSecret(secret: string): void {
  mkdirSync(path.dirname(TOKEN_FILE), { recursive: true });
  appendFileSync(TOKEN_FILE, `${secret}\n`);
}

/** Resolves once the process has exited and closed its output, so its log is complete. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('close', () => resolve()));
}

export class RedactionError extends Error {
  constructor(readonly leaks: readonly Leak[]) {
    super(
      `Secrets reached the logs (${leaks.length}):\n` +
        leaks
          .slice(0, 50)
          .map((leak) => `  ${path.relative(e2eDir, leak.file)}:${leak.line} ${leak.kind} ${leak.hint}`)
          .join('\n'),
    );
    this.name = 'RedactionError';
  }
}

/**
 * The redaction proof (docs/operations.md), run by the global teardown once every process has stopped: the logs of the
 * whole run contain neither the demo password, nor any token or cookie the user-service and the web app
 * issued (recorded by token-tap.mjs), nor anything shaped like a JWT/JWE. It also checks that it had
 * something to look at, so an empty log directory or a broken tap cannot pass for a clean run.
 */
export function assertLogsRedacted(options: { password: string }): { files: number; lines: number; secrets: number } {
  const logs: LogFile[] = readdirSync(LOG_DIR)
    .filter((name) => name.endsWith('.log'))
    .map((name) => ({ file: path.join(LOG_DIR, name), text: readFileSync(path.join(LOG_DIR, name), 'utf8') }));
  const issued = existsSync(TOKEN_FILE)
    ? readFileSync(TOKEN_FILE, 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
    : [];
  const lines = logs.reduce((sum, log) => sum + log.text.split('\n').length, 0);
  const jsonLines = logs.flatMap((log) => log.text.split('\n')).filter((line) => line.startsWith('{'));
  if (!jsonLines.some((line) => line.includes('"reqId"'))) throw new Error(`no structured log lines with a reqId in ${LOG_DIR}: nothing was checked`);
  // A run that signed someone in issued tokens; if none were recorded the tap is broken, not the run clean.
  if (issued.length === 0 && jsonLines.some((line) => line.includes('login.succeeded'))) {
    throw new Error(`no issued secrets recorded in ${TOKEN_FILE} although sign-ins succeeded: is token-tap.mjs loaded?`);
  }
  const leaks = findLeaks(logs, { password: options.password, issued });
  if (leaks.length > 0) throw new RedactionError(leaks);
  return { files: logs.length, lines, secrets: new Set(issued).size };
}
