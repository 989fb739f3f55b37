import { describe, expect, it } from 'vitest';
import { MailTemplates } from './templates.js';

const templates = new MailTemplates({ appName: 'Acme <Corp>', publicAppUrl: 'https://app.example.com/' });

describe('mail templates', () => {
  it('build links only from the configured app URL, with the token as a query parameter', () => {
    const mail = templates.passwordReset('a@example.com', { token: 'T0k_en', validMinutes: 30 });
    expect(mail.text).toContain('https://app.example.com/reset-password?token=T0k_en');
    expect(mail.html).toContain('href="https://app.example.com/reset-password?token=T0k_en"');
  });

  it('escape what they put into HTML, the app name and addresses included', () => {
    const mail = templates.emailChangeNotice('old@example.com', { newEmail: '"><script>x</script>@example.com', token: 't', validHours: 24 });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Acme &lt;Corp&gt;');
  });

  it('carry no image or remote resource that could track the reader', () => {
    const mail = templates.newDevice('a@example.com', { userAgent: 'Firefox', address: '203.0.113.0/24', at: new Date(0) });
    expect(mail.html).not.toMatch(/<img|src=|url\(/i);
  });
});
