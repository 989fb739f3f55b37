import { redact, redactQuery } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** A structured logger: one JSON object per line. Apps may pass their own (pino fits this shape). */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

const ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  name: string;
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass an array's push. */
  write?: (line: string) => void;
  now?: () => number;
}

export function createJsonLogger(options: JsonLoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const threshold = ORDER[options.level];
  function log(level: LogLevel, fields: LogFields, msg: string): void {
    if (ORDER[level] < threshold) return;
    const record = { level, time: now(), name: options.name, msg: redactQuery(msg), ...(redact(fields) as LogFields) };
    write(JSON.stringify(record));
  }
  return {
    debug: (fields, msg) => log('debug', fields, msg),
    info: (fields, msg) => log('info', fields, msg),
    warn: (fields, msg) => log('warn', fields, msg),
    error: (fields, msg) => log('error', fields, msg),
  };
}

/**
 * True when `DEBUG` (comma or space separated, `*` wildcards as in the `debug` package) enables `namespace`,
 * e.g. `DEBUG=portcullis:*` enables `portcullis:next`.
 */
export function debugEnabled(debugVariable: string | undefined, namespace: string): boolean {
  if (!debugVariable) return false;
  return debugVariable
    .split(/[\s,]+/)
    .filter((pattern) => pattern.length > 0 && !pattern.startsWith('-'))
    .some((pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(namespace));
}
