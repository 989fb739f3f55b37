import { BackendUnavailableError } from '@portcullis/next';
import type { Metadata } from 'next';
import Link from 'next/link';
import { auth } from '../../../lib/auth';
import { requireAdminPage } from '../../../lib/admin-guard';
import type { SecurityDashboard } from '../../../lib/security/dashboard-types';
import { loadSecurityDashboard } from '../../../lib/security/security-data';
import { parseSecurityQuery, securitySearch, WINDOW_KEYS, WINDOWS } from '../../../lib/security/security-query';
import { Nav } from '../../nav';
import { EventFilters } from './event-filters';
import { LiveSecurityDashboard } from './live-dashboard';

export const metadata: Metadata = { title: 'Security · Portcullis' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SecurityPage({ searchParams }: Props) {
  // Like every admin page, the role is checked here (denials audited); the proxy only checked for a session.
  const session = await requireAdminPage();
  const query = parseSecurityQuery(await searchParams);
  const search = securitySearch(query);
  let data: SecurityDashboard | null = null;
  try {
    const accessToken = await auth().getAccessToken();
    if (accessToken) data = await loadSecurityDashboard(query, accessToken);
  } catch (error) {
    // An operator opens this page during incidents: an unreachable user-service is a message, not a crash.
    if (!(error instanceof BackendUnavailableError)) throw error;
  }

  return (
    <main className="wide">
      <Nav session={session} />
      <h1>Security</h1>
      <nav aria-label="Time window" className="window-picker">
        {WINDOW_KEYS.map((key) => (
          <Link key={key} href={`/admin/security${securitySearch({ ...query, window: key })}`} aria-current={key === query.window ? 'page' : undefined}>
            {WINDOWS[key].label}
          </Link>
        ))}
      </nav>
      {data ? (
        <LiveSecurityDashboard key={search} initial={data} search={search} filters={<EventFilters query={query} />} />
      ) : (
        <p className="alert" role="alert">
          The user-service is unavailable, so there is nothing to show. This page works again once it is back.
        </p>
      )}
    </main>
  );
}
