import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { createBreachedPasswordCheck } from './breached-passwords.js';
import { isCommonPassword } from './common-passwords.js';

/** Why a new password is refused. */
export type PasswordWeakness = 'too_short' | 'too_long' | 'common' | 'contains_email' | 'contains_app_name' | 'breached';

const MIN_PASSWORD_LENGTH = 8;
/** OWASP ASVS 5.0 §6.2.9: at least 64 characters must be allowed; the cap bounds the hashing work one request can ask for. */
const MAX_PASSWORD_LENGTH = 128;

const WEAKNESS_MESSAGES: Readonly<Record<PasswordWeakness, string>> = {
  too_short: `Use at least ${MIN_PASSWORD_LENGTH} characters; 15 or more is better.`,
  too_long: `Use at most ${MAX_PASSWORD_LENGTH} characters.`,
  common: 'This password is among the most common ones; choose another.',
  contains_email: 'The password must not contain your email address.',
  contains_app_name: "The password must not contain the app's name.",
  breached: 'This password appears in known data breaches; choose another.',
};

/** The policy every new password meets (OWASP ASVS 5.0 §6.2): sign-up, reset, invitation, change and the CLI. */
export interface PasswordPolicy {
  /** Null when the password is acceptable for this account, else why not. */
  check(password: string, account: { email: string }): Promise<PasswordWeakness | null>;
}

export function weakPassword(weakness: PasswordWeakness): ApiError {
  return new ApiError('weak_password', WEAKNESS_MESSAGES[weakness], { detail: weakness });
}

/** Throws `weak_password` unless the policy accepts the password. */
export async function requireStrongPassword(policy: PasswordPolicy, password: string, account: { email: string }): Promise<void> {
  const weakness = await policy.check(password, account);
  if (weakness !== null) throw weakPassword(weakness);
}

/** Parts of an email's local part shorter than this are too common to refuse ("al@…" would ban every "al"). */
const MIN_REFUSED_LOCAL_PART = 3;

/**
 * OWASP ASVS 5.0 §6.2: length only, no composition rules (§6.2.5); refused when on the common list (§6.2.4), when it
 * contains the account's email local part or the app's name (context words, §6.2.11), or when the breached-password
 * service knows it (§6.2.12, only if configured, asked last so a refused password is never sent anywhere).
 */
export function createPasswordPolicy(config: Config, options: { logger: Logger; metrics: Metrics }): PasswordPolicy {
  const { breachedPasswordApi, breachedPasswordTimeoutMs } = config.accounts;
  const breached =
    breachedPasswordApi === undefined
      ? null
      : createBreachedPasswordCheck({ apiBase: breachedPasswordApi, timeoutMs: breachedPasswordTimeoutMs, logger: options.logger, metrics: options.metrics });
  const appName = config.mail.appName.toLowerCase();
  return {
    check: async (password, account) => {
      const length = [...password].length;
      if (length < MIN_PASSWORD_LENGTH) return 'too_short';
      if (length > MAX_PASSWORD_LENGTH) return 'too_long';
      if (await isCommonPassword(password)) return 'common';
      const lowered = password.toLowerCase();
      const at = account.email.lastIndexOf('@');
      const localPart = (at === -1 ? account.email : account.email.slice(0, at)).toLowerCase();
      if (localPart.length >= MIN_REFUSED_LOCAL_PART && lowered.includes(localPart)) return 'contains_email';
      if (lowered.includes(appName)) return 'contains_app_name';
      if (breached !== null && (await breached(password)) === 'breached') return 'breached';
      return null;
    },
  };
}
