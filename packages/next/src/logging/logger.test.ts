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

  it("never writes the token of an account page's link, in whichever field or message the URL appears", () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ name: 't', level: 'debug', write: (l) => lines.push(l) });
    const token = 'Zk3q9-account-link-token_0123456789abcdef';
    logger.warn(
      { path: `/reset-password?token=${token}`, error: new Error(`fetch /verify-email?lang=en&token=${token} failed`) },
      `GET /accept-invitation?token=${token}`,
    );
    logger.info({ callbackUrl: `/confirm-email?token=${token}#top`, oauth: `/api/auth/callback/portcullis?code=${token}&state=s` }, 'redirect');
    expect(lines.join('\n')).not.toContain(token);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      msg: 'GET /accept-invitation?token=[redacted]',
      path: '/reset-password?token=[redacted]',
      error: { message: 'fetch /verify-email?lang=en&token=[redacted] failed' },
    });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({
      callbackUrl: '/confirm-email?token=[redacted]#top',
      oauth: '/api/auth/callback/portcullis?code=[redacted]&state=s',
    });
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
