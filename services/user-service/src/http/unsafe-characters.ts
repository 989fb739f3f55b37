/**
 * What no text the service takes in may carry (OWASP ASVS 5.0 §2.2.1: input is validated against what it may be):
 * control characters (C0 with NUL, DEL, C1; PostgreSQL cannot store NUL in text), unpaired UTF-16 surrogates (not
 * Unicode text: stored as U+FFFD, so not what was sent), and the bidirectional embeddings, overrides and isolates that
 * make text display unlike what it is (Unicode TR 9, CVE-2021-42574). With the `u` flag, `\p{Cs}` matches only a
 * surrogate that is not half of a pair.
 */
export const UNSAFE_CHARACTER = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;

const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'gu');

/**
 * The text without those characters, for what is only recorded, never refused: a user agent is the client's own
 * description, and Node lets bytes 0x80–0x9F (C1 controls) through in header values.
 */
export function withoutUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, '');
}
