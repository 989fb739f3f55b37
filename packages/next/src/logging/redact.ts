// Keys whose values are secrets or personal data beyond what an operator needs (OWASP ASVS 5.0 §16.2.5:
// logs never hold credentials or session tokens).
const SECRET_KEY = /token|password|secret|authorization|cookie|credential|jwt/i;
const MAX_DEPTH = 6;
// A secret in a URL's query — the `?token=` of the account pages' links (docs/accounts.md), an OAuth `code` — whatever
// field or message the URL was logged in.
const SECRET_QUERY_VALUE = /([?&](?:[\w-]*token|code|password)=)[^&#\s"'<>]+/gi;

/** `text` with the value of every secret query parameter replaced by "[redacted]": `/reset-password?token=[redacted]`. */
export function redactQuery(text: string): string {
  return text.replace(SECRET_QUERY_VALUE, '$1[redacted]');
}

/** Copies `value` with every secret-looking field replaced by "[redacted]"; errors keep name and message. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[truncated]';
  if (value instanceof Error) {
    return { name: value.name, message: redactQuery(value.message), ...(hasCode(value) ? { code: value.code } : {}) };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(inner, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string') return redactQuery(value);
  return value;
}

function hasCode(error: Error): error is Error & { code: unknown } {
  return 'code' in error;
}
