import { describe, expect, it } from 'vitest';
import { createJsonLogger, debugEnabled } from './logger.js';

describe('json logger', () => {
  it('writes one JSON line per record with secrets redacted', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ name: 't', level: 'info', write: (l) => lines.push(l), now: () => 7 });
    logger.info({ refreshToken: 'rt-secret', nested: { accessToken: 'at', sid: 's1' } }, 'rotated');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      level: 'info',
      time: 7,
      name: 't',
      msg: 'rotated',
      refreshToken: '[redacted]',
      nested: { accessToken: '[redacted]', sid: 's1' },
    });
    expect(lines[0]).not.toContain('rt-secret');
  });

  it('drops records below its level', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ name: 't', level: 'warn', write: (l) => lines.push(l) });
    logger.info({}, 'quiet');
    logger.debug({}, 'quieter');
    logger.error({}, 'loud');
    expect(lines).toHaveLength(1);
  });

  it('enables debug by DEBUG namespaces with wildcards', () => {
    expect(debugEnabled('portcullis:*', 'portcullis:next')).toBe(true);
    expect(debugEnabled('other,portcullis:next', 'portcullis:next')).toBe(true);
    expect(debugEnabled('other:*', 'portcullis:next')).toBe(false);
    expect(debugEnabled(undefined, 'portcullis:next')).toBe(false);
  });
});
