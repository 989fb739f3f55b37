import type { MailKind, OutgoingMail } from './outbox.js';

/** The app's pages that mail links to; each reads `?token=`. */
export type LinkPage = 'reset-password' | 'verify-email' | 'accept-invitation' | 'confirm-email' | 'cancel-email-change' | 'forgot-password' | 'signin' | 'signup';

interface Paragraph {
  readonly text: string;
  /** A link shown after the text: to one of the app's pages, with the token when there is one. */
  readonly link?: { readonly label: string; readonly page: LinkPage; readonly token?: string };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/**
 * Every message the service sends: plain text plus simple HTML, the app's name, no images, no tracking. Links are built
 * from the configured public app URL only, never from a request's Host header (OWASP ASVS 5.0 §6.4.1: a poisoned Host
 * would send a reset token to the attacker's site).
 */
export class MailTemplates {
  readonly #appName: string;
  readonly #publicAppUrl: string;

  constructor(options: { appName: string; publicAppUrl: string }) {
    this.#appName = options.appName;
    this.#publicAppUrl = options.publicAppUrl.replace(/\/+$/, '');
  }

  /** `${PUBLIC_APP_URL}/<page>?token=<token>`. */
  link(page: LinkPage, token?: string): string {
    const url = new URL(`${this.#publicAppUrl}/${page}`);
    if (token !== undefined) url.searchParams.set('token', token);
    return url.toString();
  }

  invitation(to: string, details: { token: string; validHours: number }): OutgoingMail {
    return this.#compose('invitation', to, `You are invited to ${this.#appName}`, [
      { text: `An administrator of ${this.#appName} has invited you to an account for ${to}.` },
      { text: 'Choose your password to accept:', link: { label: 'Accept the invitation', page: 'accept-invitation', token: details.token } },
      { text: `The link works once and for ${details.validHours} hours. If you did not expect this, ignore this mail.` },
    ]);
  }

  emailVerification(to: string, details: { token: string; validHours: number }): OutgoingMail {
    return this.#compose('email_verification', to, `Confirm your email for ${this.#appName}`, [
      {
        text: `Someone signed up to ${this.#appName} with ${to}. If it was you, confirm the address:`,
        link: { label: 'Confirm my email', page: 'verify-email', token: details.token },
      },
      { text: `The link works once and for ${details.validHours} hours. If it was not you, ignore this mail: no account is usable without it.` },
    ]);
  }

  /** Sign-up with an address that already has an account: a mail instead of an error, so the answer reveals nothing. */
  signupExistingAccount(to: string): OutgoingMail {
    return this.#compose('signup_existing_account', to, `Someone tried to sign up to ${this.#appName} with your email`, [
      { text: `Someone tried to create an account on ${this.#appName} with ${to}, which already has one.` },
      { text: 'If it was you, sign in:', link: { label: 'Sign in', page: 'signin' } },
      { text: 'Forgot your password? Choose a new one:', link: { label: 'Reset my password', page: 'forgot-password' } },
      { text: 'If it was not you, ignore this mail; nothing has changed.' },
    ]);
  }

  passwordReset(to: string, details: { token: string; validMinutes: number }): OutgoingMail {
    return this.#compose('password_reset', to, `Reset your ${this.#appName} password`, [
      {
        text: `Someone asked to reset the password of the ${this.#appName} account for ${to}. If it was you:`,
        link: { label: 'Choose a new password', page: 'reset-password', token: details.token },
      },
      { text: `The link works once and for ${details.validMinutes} minutes; asking again makes it void. Setting a new password signs you out everywhere.` },
      { text: 'If it was not you, ignore this mail: your password stays as it is.' },
    ]);
  }

  passwordChanged(to: string): OutgoingMail {
    return this.#compose('password_changed', to, `Your ${this.#appName} password was changed`, [
      { text: `The password of your ${this.#appName} account was just changed, and your other sessions were signed out.` },
      { text: 'If it was not you, reset your password now:', link: { label: 'Reset my password', page: 'forgot-password' } },
    ]);
  }

  /** An admin removed every second factor of the account (OWASP ASVS 5.0 §6.4.3: a factor reset is notified). */
  mfaReset(to: string): OutgoingMail {
    return this.#compose('mfa_reset', to, `Your ${this.#appName} second factors were removed`, [
      { text: `An administrator removed the passkeys, authenticator app and recovery codes of your ${this.#appName} account, and signed you out everywhere.` },
      { text: 'Sign in with your password and set up a new second factor under Account, Security:', link: { label: 'Sign in', page: 'signin' } },
      { text: 'If you did not ask for this, contact your administrator at once.' },
    ]);
  }

  emailChange(newAddress: string, details: { token: string; validHours: number }): OutgoingMail {
    return this.#compose('email_change', newAddress, `Confirm your new email for ${this.#appName}`, [
      {
        text: `Someone asked to move a ${this.#appName} account to ${newAddress}. If it was you, confirm:`,
        link: { label: 'Confirm my new email', page: 'confirm-email', token: details.token },
      },
      { text: `The link works once and for ${details.validHours} hours. If it was not you, ignore this mail.` },
    ]);
  }

  /** To the old address when a change is asked: its link cancels the change and forces a password reset. */
  emailChangeNotice(oldAddress: string, details: { newEmail: string; token: string; validHours: number }): OutgoingMail {
    return this.#compose('email_change_notice', oldAddress, `Your ${this.#appName} email is about to change`, [
      { text: `Someone asked to change the email of your ${this.#appName} account from ${oldAddress} to ${details.newEmail}.` },
      {
        text: 'If it was not you, cancel the change; you will then be signed out everywhere and asked to choose a new password:',
        link: { label: 'Cancel the change', page: 'cancel-email-change', token: details.token },
      },
      { text: `The link works for ${details.validHours} hours.` },
    ]);
  }

  emailChanged(to: string, details: { newEmail: string }): OutgoingMail {
    return this.#compose('email_changed', to, `Your ${this.#appName} email was changed`, [
      { text: `The email of your ${this.#appName} account is now ${details.newEmail}; mail no longer goes to ${to}.` },
      { text: 'If it was not you, contact your administrator at once.' },
    ]);
  }

  newDevice(to: string, details: { userAgent: string; address: string; at: Date }): OutgoingMail {
    return this.#compose('new_device', to, `New sign-in to ${this.#appName}`, [
      { text: `Your ${this.#appName} account was signed in to from a device it had not seen before.` },
      { text: `When: ${details.at.toUTCString()}. Browser: ${details.userAgent}. Network address: ${details.address}.` },
      { text: 'If it was not you, reset your password now:', link: { label: 'Reset my password', page: 'forgot-password' } },
    ]);
  }

  throttled(to: string): OutgoingMail {
    return this.#compose('throttled', to, `Repeated failed sign-ins to your ${this.#appName} account`, [
      { text: `So many sign-ins to your ${this.#appName} account failed that further attempts are held back for a while.` },
      { text: 'If it was not you, someone may be guessing your password. To be safe, choose a new one:', link: { label: 'Reset my password', page: 'forgot-password' } },
    ]);
  }

  recoveryCodeUsed(to: string, details: { at: Date; codesLeft: number }): OutgoingMail {
    return this.#compose('recovery_code_used', to, `A recovery code was used on your ${this.#appName} account`, [
      {
        text: `One of your recovery codes was used to sign in to your ${this.#appName} account (${details.at.toUTCString()}). It cannot be used again; ${details.codesLeft} remain.`,
      },
      {
        text: 'If it was not you, someone has your password and a recovery code: choose a new password and new recovery codes now:',
        link: { label: 'Reset my password', page: 'forgot-password' },
      },
    ]);
  }

  #compose(kind: MailKind, to: string, subject: string, paragraphs: readonly Paragraph[]): OutgoingMail {
    const footer = `This mail was sent by ${this.#appName} to ${to}.`;
    const text = [
      ...paragraphs.map((paragraph) => (paragraph.link === undefined ? paragraph.text : `${paragraph.text}\n${this.#href(paragraph.link)}`)),
      `-- \n${footer}`,
    ].join('\n\n');
    const body = paragraphs
      .map((paragraph) => {
        const link = paragraph.link === undefined ? '' : `<br><a href="${escapeHtml(this.#href(paragraph.link))}">${escapeHtml(paragraph.link.label)}</a>`;
        return `<p>${escapeHtml(paragraph.text)}${link}</p>`;
      })
      .join('\n');
    const html = `<!doctype html>\n<html><body style="font-family: sans-serif">\n<h1 style="font-size: 1.2em">${escapeHtml(this.#appName)}</h1>\n${body}\n<p style="color: #666">${escapeHtml(footer)}</p>\n</body></html>`;
    return { kind, to, subject, text, html };
  }

  #href(link: NonNullable<Paragraph['link']>): string {
    return this.link(link.page, link.token);
  }
}
