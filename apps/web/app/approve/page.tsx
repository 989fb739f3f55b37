import { popupStateSchema } from '@portcullis/contracts';
import type { Metadata } from 'next';
import { auth } from '../../lib/auth';
import { ApprovalForm } from './approval-form';

export const metadata: Metadata = { title: 'Approve a request — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The approval popup. Public: a manager signs in here for this approval only, and nothing they do here touches the
 * session of the requester in the main window. Framing is refused for every page by the proxy's
 * `frame-ancestors 'none'` (OWASP ASVS 5.0 §3.4.6), so this password form cannot be clickjacked.
 */
export default async function ApprovePage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const requestId = single(params.requestId);
  const state = single(params.state);
  return (
    <main>
      <h1>Approve a spending request</h1>
      {requestId && state && REQUEST_ID.test(requestId) && popupStateSchema.safeParse(state).success ? (
        <ApprovalForm requestId={requestId} state={state} appOrigin={auth().config.appOrigin} />
      ) : (
        <p className="alert" role="alert">
          This approval link is not valid. Ask the requester to start again.
        </p>
      )}
    </main>
  );
}
