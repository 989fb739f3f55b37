/** The one message an approval popup sends its opener. It never carries a credential (RFC 9700 §4.17). */
export const APPROVAL_MESSAGE_TYPE = 'portcullis:approval-result';

export type ApprovalResult = 'approved' | 'rejected' | 'cancelled';

export interface ApprovalMessage {
  readonly type: typeof APPROVAL_MESSAGE_TYPE;
  readonly requestId: string;
  readonly state: string;
  readonly result: ApprovalResult;
}

const RESULTS: readonly string[] = ['approved', 'rejected', 'cancelled'];
const ALLOWED_KEYS = new Set(['type', 'requestId', 'state', 'result']);

/** Exact shape only: a known type, string fields of sane length, a known result, and nothing else. */
export function isApprovalMessage(data: unknown): data is ApprovalMessage {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const record = data as Record<string, unknown>;
  return (
    Object.keys(record).every((key) => ALLOWED_KEYS.has(key)) &&
    record.type === APPROVAL_MESSAGE_TYPE &&
    typeof record.requestId === 'string' &&
    record.requestId.length > 0 &&
    record.requestId.length <= 64 &&
    typeof record.state === 'string' &&
    /^[A-Za-z0-9_-]{22,128}$/.test(record.state) &&
    typeof record.result === 'string' &&
    RESULTS.includes(record.result)
  );
}

/**
 * An origin we may talk to: scheme, host and port exactly as `URL#origin` prints them. `"*"`, `"null"`, paths and
 * anything else are refused, so no prefix, substring or wildcard trick can stand in for a real origin.
 */
export function isExactOrigin(value: string): boolean {
  if (value === 'null' || value === '*') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
