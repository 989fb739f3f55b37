import { AUDIT_EVENT_TYPES } from '@portcullis/contracts';
import { z } from 'zod';

/** The windows the dashboard offers, with the bucket width its charts use. */
export const WINDOWS = {
  '1h': { label: 'Last hour', seconds: 3_600, bucket: 'minute', bucketSeconds: 60 },
  '24h': { label: 'Last 24 hours', seconds: 86_400, bucket: 'hour', bucketSeconds: 3_600 },
  '7d': { label: 'Last 7 days', seconds: 7 * 86_400, bucket: 'day', bucketSeconds: 86_400 },
} as const;
export type WindowKey = keyof typeof WINDOWS;
export const WINDOW_KEYS = Object.keys(WINDOWS) as WindowKey[];

const OUTCOMES = ['success', 'failure'] as const;

const empty = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <S extends z.ZodType>(schema: S) => z.preprocess(empty, schema.optional());
const instant = z.coerce.number().int().min(0).max(8_640_000_000_000_000);

/**
 * The dashboard's query string, shared by the page and its refresh route. Unknown or malformed values are
 * dropped rather than refused, so a hand-edited URL still shows a dashboard; nothing here is trusted further
 * than the user-service's own validation of the same fields.
 */
const securityQuerySchema = z.object({
  window: z.preprocess(empty, z.enum(WINDOW_KEYS).catch('1h').default('1h')),
  type: optional(z.enum(AUDIT_EVENT_TYPES)).catch(undefined),
  /** An email (matches login events by address and the account's own events) or a user id. */
  user: optional(z.string().trim().min(1).max(254)).catch(undefined),
  ip: optional(
    z
      .string()
      .trim()
      .regex(/^[0-9A-Fa-f:.]{2,64}$/),
  ).catch(undefined),
  outcome: optional(z.enum(OUTCOMES)).catch(undefined),
  sid: optional(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/),
  ).catch(undefined),
  since: optional(instant).catch(undefined),
  until: optional(instant).catch(undefined),
});

export type SecurityQuery = z.output<typeof securityQuerySchema>;

export function parseSecurityQuery(params: Record<string, string | string[] | undefined>): SecurityQuery {
  const single: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(params)) single[key] = Array.isArray(value) ? value[0] : value;
  return securityQuerySchema.parse(single);
}

/** The query as a canonical search string (no empty fields), for links and the refresh route. */
export function securitySearch(query: Partial<SecurityQuery>): string {
  const params = new URLSearchParams();
  for (const key of ['window', 'type', 'user', 'ip', 'outcome', 'sid', 'since', 'until'] as const) {
    const value = query[key];
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return search.length > 0 ? `?${search}` : '';
}

/** True when the query narrows the events table. */
export function hasEventFilters(query: SecurityQuery): boolean {
  return [query.type, query.user, query.ip, query.outcome, query.sid, query.since, query.until].some((value) => value !== undefined);
}
