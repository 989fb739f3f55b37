import type { CDPSession, Page } from '@playwright/test';

/** A passkey as Chromium's virtual authenticator keeps it (DevTools Protocol `WebAuthn.Credential`). */
interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * A platform authenticator with user verification, as a phone or laptop with a fingerprint reader is: Chromium's
 * virtual authenticator driven through the DevTools Protocol (`WebAuthn.addVirtualAuthenticator`). It makes
 * discoverable credentials (passkeys, WebAuthn L3 §6.2.2) and reports user verification on every ceremony, so the
 * browser tests run the real `navigator.credentials` calls the pages make, with no dialog to click.
 *
 * An authenticator belongs to one page (one DevTools target): a popup gets its own with `copyTo`, holding the same
 * passkeys, as a person's device would be there for the popup too.
 */
export class VirtualAuthenticator {
  private constructor(
    private readonly session: CDPSession,
    private readonly authenticatorId: string,
  ) {}

  static async attach(page: Page): Promise<VirtualAuthenticator> {
    const session = await page.context().newCDPSession(page);
    await session.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        ctap2Version: 'ctap2_1',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(session, authenticatorId);
  }

  /** The passkeys this authenticator holds. */
  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.session.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId });
    return credentials;
  }

  /** An authenticator on `page` holding the same passkeys (with their signature counters) as this one. */
  async copyTo(page: Page): Promise<VirtualAuthenticator> {
    const copy = await VirtualAuthenticator.attach(page);
    for (const credential of await this.credentials()) {
      await copy.session.send('WebAuthn.addCredential', { authenticatorId: copy.authenticatorId, credential });
    }
    return copy;
  }

  /**
   * Whether the person touches the authenticator as soon as a page asks: off, a request waits (as the email field's
   * passkey suggestion waits for the person to pick it), so a test can take the password path on a page that offers
   * passkeys in its autofill.
   */
  async setPresence(present: boolean): Promise<void> {
    await this.session.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: this.authenticatorId, enabled: present });
  }
}
