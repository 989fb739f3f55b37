// Keys whose values are secrets or personal data beyond what an operator needs (OWASP ASVS 5.0 §16.2.5:
// logs never hold credentials or session tokens).
const SECRET_KEY = /token|password|secret|authorization|cookie|credential|jwt/i;
const MAX_DEPTH = 6;

/** Copies `value` with every secret-looking field replaced by "[redacted]"; errors keep name and message. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[truncated]';
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(hasCode(value) ? { code: value.code } : {}) };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(inner, depth + 1);
    }
    return out;
  }
  return value;
}

function hasCode(error: Error): error is Error & { code: unknown } {
  return 'code' in error;
}
