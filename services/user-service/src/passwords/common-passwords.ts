/**
 * The 49,233 most common passwords of zxcvbn-ts's list (MIT), lower-cased: far more than the 10,000 OWASP ASVS 5.0
 * §6.2.4 asks for. Loaded on the first password set, not at start-up: the dictionary costs about 100 ms to read, and
 * most processes (every sign-in, every refresh) never need it.
 */
let commonPasswords: Promise<ReadonlySet<string>> | undefined;

function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common'].map((password) => password.toLowerCase())));
  return commonPasswords;
}

/** Whether the password is on the common list, whatever its letter case ("Password1" is as guessable as "password1"). */
export async function isCommonPassword(password: string): Promise<boolean> {
  return (await loadCommonPasswords()).has(password.toLowerCase());
}
