import { AUDIT_EVENT_TYPES } from '@portcullis/contracts';
import Link from 'next/link';
import type { ReactElement } from 'react';
import { formatTime } from '../../../lib/security/format';
import { securitySearch, type SecurityQuery } from '../../../lib/security/security-query';

/**
 * Filters for the events table as a plain GET form: the filters live in the URL (shareable, linkable from
 * alerts) and work without JavaScript. Narrowings that only come from alert links (session, time range)
 * are kept as hidden fields and shown so they can be cleared.
 */
export function EventFilters({ query }: { query: SecurityQuery }): ReactElement {
  const fromAlert = query.sid !== undefined || query.since !== undefined || query.until !== undefined;
  return (
    <form method="get" action="/admin/security" className="filters" aria-label="Event filters">
      <input type="hidden" name="window" value={query.window} />
      {query.sid !== undefined ? <input type="hidden" name="sid" value={query.sid} /> : null}
      {query.since !== undefined ? <input type="hidden" name="since" value={query.since} /> : null}
      {query.until !== undefined ? <input type="hidden" name="until" value={query.until} /> : null}
      <label>
        Type
        <select name="type" defaultValue={query.type ?? ''}>
          <option value="">any</option>
          {AUDIT_EVENT_TYPES.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
      </label>
      <label>
        User (email or id)
        <input name="user" defaultValue={query.user ?? ''} autoComplete="off" />
      </label>
      <label>
        IP address
        <input name="ip" defaultValue={query.ip ?? ''} autoComplete="off" />
      </label>
      <label>
        Outcome
        <select name="outcome" defaultValue={query.outcome ?? ''}>
          <option value="">any</option>
          <option value="success">ok</option>
          <option value="failure">failed / refused</option>
        </select>
      </label>
      <button type="submit">Filter events</button>
      <Link href={`/admin/security${securitySearch({ window: query.window })}`}>Clear filters</Link>
      {fromAlert ? (
        <p className="muted">
          Also narrowed by
          {query.sid !== undefined ? ` session ${query.sid}` : ''}
          {query.since !== undefined ? ` from ${formatTime(query.since)}` : ''}
          {query.until !== undefined ? ` until ${formatTime(query.until)}` : ''} UTC (from an alert).
        </p>
      ) : null}
    </form>
  );
}
