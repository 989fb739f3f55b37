import { describe, expect, it } from 'vitest';
import { smtpConnectionOptions } from './smtp-transport.js';

describe('the SMTP connection built from SMTP_URL', () => {
  it('requires STARTTLS for smtp:// to a mail server on another host, so credentials and links never travel in the clear', () => {
    expect(smtpConnectionOptions('smtp://mailer:s3cret@mail.example.com:587')).toMatchObject({
      host: 'mail.example.com',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'mailer', pass: 's3cret' },
    });
    expect(smtpConnectionOptions('smtp://mail.example.com')).toMatchObject({ port: 587, secure: false, requireTLS: true });
    expect(smtpConnectionOptions('smtp://10.0.0.5:25')).toMatchObject({ requireTLS: true });
  });

  it('speaks TLS from the first byte for smtps://, on port 465 unless told otherwise', () => {
    expect(smtpConnectionOptions('smtps://mail.example.com')).toMatchObject({ port: 465, secure: true, requireTLS: false });
    expect(smtpConnectionOptions('smtps://mail.example.com:2465')).toMatchObject({ port: 2465, secure: true });
  });

  it('lets a mail server on this machine go without TLS', () => {
    for (const url of ['smtp://localhost:2525', 'smtp://127.0.0.1:2525', 'smtp://[::1]:2525']) {
      expect(smtpConnectionOptions(url)).toMatchObject({ secure: false, requireTLS: false });
    }
  });

  it('decodes percent-encoded credentials and sends none when the URL has none', () => {
    expect(smtpConnectionOptions('smtp://user%40example.com:p%3Ass@mail.example.com')).toMatchObject({ auth: { user: 'user@example.com', pass: 'p:ss' } });
    expect(smtpConnectionOptions('smtp://mail.example.com')).not.toHaveProperty('auth');
  });
});
