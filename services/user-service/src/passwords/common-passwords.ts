import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The 49,233 most common passwords of zxcvbn-ts's list (MIT), lower-cased, loaded once when this module is first
 * imported: far more than the 10,000 OWASP ASVS 5.0 §6.2.4 asks for.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common'].map((password) => password.toLowerCase()));

/** Whether the password is on the common list, whatever its letter case ("Password1" is as guessable as "password1"). */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}
