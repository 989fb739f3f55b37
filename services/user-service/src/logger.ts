import { DrizzleQueryError } from 'drizzle-orm';
import { pino, type Logger } from 'pino';

/**
 * Secrets never reach a log (OWASP ASVS 5.0 §16.2.5): credentials, tokens, cookies and authorization headers are
 * censored wherever they appear in a logged object.
 */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'refreshToken',
  '*.refreshToken',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

/**
 * What a database error may say in a log: where it happened, never what was sent. The driver's `message`, `detail`,
 * `where` and `hint` can quote a value ("Key (email)=(…) already exists"), and drizzle's wrapper lists every
 * parameter of the statement (OWASP ASVS 5.0 §16.2.5).
 */
const SAFE_DATABASE_ERROR_FIELDS = ['severity', 'code', 'routine', 'schema', 'table', 'column', 'dataType', 'constraint'] as const;
const MAX_CAUSE_DEPTH = 5;

/** A PostgreSQL error as pg and PGlite raise it: a SQLSTATE code and a severity. */
function isDatabaseError(error: Error): boolean {
  const fields = error as Error & { code?: unknown; severity?: unknown };
  return typeof fields.code === 'string' && typeof fields.severity === 'string';
}

/**
 * The `err` serializer of every log line: the error's type, code and stack frames, its message unless it comes from
 * the database layer (safe fields only, see above), and its causes the same way. Unlike pino's default it copies no
 * other property, so a driver's `params`, `query` or `detail` never reaches the log.
 */
function loggedError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const fromDatabase = error instanceof DrizzleQueryError || isDatabaseError(error);
  const logged: Record<string, unknown> = { type: error.constructor.name };
  if (!fromDatabase) logged.message = error.message;
  const fields = error as unknown as Record<string, unknown>;
  for (const field of fromDatabase ? SAFE_DATABASE_ERROR_FIELDS : (['code'] as const)) {
    if (typeof fields[field] === 'string') logged[field] = fields[field];
  }
  // The stack's first line repeats the message; keep only the frames.
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  if (frames.length > 0) logged.stack = frames.join('\n');
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) logged.cause = loggedError(error.cause, depth + 1);
  return logged;
}

export function createLogger(options: { level: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'user-service' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: loggedError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

export type { Logger };
