import { Secret, TOTP } from 'otpauth';

/**
 * The authenticator app on the person's phone: it holds the secret the enrolment page showed and computes the codes
 * (RFC 6238: 6 digits, 30-second steps, HMAC-SHA-1, as the otpauth:// URL says).
 *
 * The service takes a code once only and accepts ±1 step of drift, so a second code within the same 30 seconds is the
 * next step's code: the app never hands out a step it already used, and never one the service would not yet accept
 * (more than one step ahead) — no test sleeps for the clock.
 */
export class AuthenticatorApp {
  private lastStep = -1;

  private constructor(private readonly totp: TOTP) {}

  /** Types in the secret shown as text, as a person without a camera does. */
  static fromSecret(base32Secret: string): AuthenticatorApp {
    return new AuthenticatorApp(new TOTP({ secret: Secret.fromBase32(base32Secret.replace(/\s+/g, '')), digits: 6, period: 30, algorithm: 'SHA1' }));
  }

  /** A code the service has not seen yet: the current step's, or the next step's when the current one was used. */
  code(now: number = Date.now()): string {
    const current = this.totp.counter({ timestamp: now });
    const step = Math.max(current, this.lastStep + 1);
    if (step > current + 1) throw new Error('two codes already used within one 30-second step: the service would refuse a third (RFC 6238 §5.2 drift is one step)');
    this.lastStep = step;
    return this.totp.generate({ timestamp: step * this.totp.period * 1000 });
  }

  /** A code of the past (two steps back), which the service must refuse. */
  staleCode(now: number = Date.now()): string {
    return this.totp.generate({ timestamp: now - 2 * this.totp.period * 1000 });
  }
}
