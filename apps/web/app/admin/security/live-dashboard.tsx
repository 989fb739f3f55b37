'use client';

import { useEffect, useState, type ReactElement, type ReactNode } from 'react';
import type { SecurityDashboard } from '../../../lib/security/dashboard-types';
import { formatTime } from '../../../lib/security/format';
import { DashboardBody } from './dashboard-body';

/** How often the open dashboard asks for fresh data. */
const REFRESH_MS = 5_000;

type Status = { kind: 'live' } | { kind: 'paused' } | { kind: 'retrying' } | { kind: 'ended'; message: string };

function isDashboard(value: unknown): value is SecurityDashboard {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.generatedAt === 'number' && Array.isArray(candidate.charts) && Array.isArray(candidate.events) && Array.isArray(candidate.alerts);
}

/**
 * Keeps the dashboard current while it is open: every few seconds it asks the guarded route
 * `/api/admin/security` (same query as the page) and swaps the data in, without reloading the page. Hidden
 * tabs skip their turn; a refused session stops the polling and says why. The first render is the server's.
 */
export function LiveSecurityDashboard({ initial, search, filters }: { initial: SecurityDashboard; search: string; filters: ReactNode }): ReactElement {
  const [data, setData] = useState(initial);
  const [status, setStatus] = useState<Status>({ kind: 'live' });
  const polling = status.kind === 'live' || status.kind === 'retrying';

  useEffect(() => {
    if (!polling) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    async function refresh(): Promise<void> {
      if (document.visibilityState === 'hidden') return;
      const response = await fetch(`/api/admin/security${search}`, { cache: 'no-store', signal: abort.signal, headers: { accept: 'application/json' } });
      if (response.status === 401 || response.status === 403) {
        setStatus({
          kind: 'ended',
          message: response.status === 401 ? 'Your session has ended; reload the page to sign in again.' : 'You no longer have access to this dashboard.',
        });
        return;
      }
      const body: unknown = response.ok ? await response.json() : null;
      if (!isDashboard(body)) {
        setStatus({ kind: 'retrying' });
        return;
      }
      setData(body);
      setStatus({ kind: 'live' });
    }

    // One request at a time: the next one is scheduled only when the previous has finished.
    function schedule(): void {
      timer = setTimeout(() => {
        refresh()
          .catch(() => {
            if (!abort.signal.aborted) setStatus({ kind: 'retrying' });
          })
          .finally(() => {
            if (!abort.signal.aborted) schedule();
          });
      }, REFRESH_MS);
    }
    schedule();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [search, polling]);

  return (
    <>
      <div className="live-status">
        <span>
          Updated <time dateTime={new Date(data.generatedAt).toISOString()}>{formatTime(data.generatedAt)}</time> UTC
          {status.kind === 'live' ? ' · updates every 5 s' : null}
        </span>
        {status.kind === 'ended' ? null : (
          <button type="button" aria-pressed={status.kind === 'paused'} onClick={() => setStatus(status.kind === 'paused' ? { kind: 'live' } : { kind: 'paused' })}>
            {status.kind === 'paused' ? 'Resume live updates' : 'Pause live updates'}
          </button>
        )}
        <span role="status">
          {status.kind === 'retrying' ? 'Could not refresh; retrying.' : null}
          {status.kind === 'ended' ? status.message : null}
        </span>
      </div>
      <DashboardBody data={data} filters={filters} />
    </>
  );
}
