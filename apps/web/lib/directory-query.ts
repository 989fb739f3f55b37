import { ROLES, USER_STATUSES } from '@portcullis/contracts';
import { z } from 'zod';

const fields = z.object({
  // The user-service refuses control and bidirectional characters; dropped here, a pasted one costs the search, not the page.
  q: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .regex(/^[^\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]*$/u)
    .optional()
    .catch(undefined),
  role: z.enum(ROLES).optional().catch(undefined),
  status: z.enum(USER_STATUSES).optional().catch(undefined),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,400}$/)
    .optional()
    .catch(undefined),
});

/** What the admin page's address says about the directory: the search, the filters and where the page starts. */
export type DirectoryQuery = z.output<typeof fields>;

/** Reads the directory query from search params; a value that makes no sense is dropped, not an error page. */
export function parseDirectoryQuery(params: Record<string, string | string[] | undefined>): DirectoryQuery {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) || undefined;
  return fields.parse({ q: first(params.q), role: first(params.role), status: first(params.status), cursor: first(params.cursor) });
}

/** `/admin?…` for a query: the search and filters kept, the cursor only when given. */
export function directoryHref(query: DirectoryQuery): string {
  const text = directorySearch(query);
  return text === '' ? '/admin' : `/admin?${text}`;
}

/** The query as URL search text, without the empty fields. */
export function directorySearch(query: DirectoryQuery): string {
  return new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string')).toString();
}
