import { popupStateSchema } from '@portcullis/contracts';
import { STEP_UP_REQUEST_ID } from '@portcullis/next/popup';
import type { Metadata } from 'next';
import { auth } from '../../lib/auth';
import { StepUpForm } from './step-up-form';

export const metadata: Metadata = { title: 'Confirm your password — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The step-up popup: the signed-in user re-enters their password before a sensitive action (RFC 9470). It needs the
 * session it strengthens; framing is refused by the proxy's `frame-ancestors 'none'`.
 */
export default async function StepUpPage({ searchParams }: { searchParams: SearchParams }) {
  const session = await auth().page.requireSession();
  const params = await searchParams;
  const state = typeof params.state === 'string' && popupStateSchema.safeParse(params.state).success ? params.state : null;
  const valid = params.requestId === STEP_UP_REQUEST_ID && state !== null;
  return (
    <main>
      <h1>Confirm your password</h1>
      {valid ? (
        <StepUpForm email={session.user.email} state={state} appOrigin={auth().config.appOrigin} />
      ) : (
        <p className="alert" role="alert">
          This link is not valid. Start again from the page that asked for your password.
        </p>
      )}
    </main>
  );
}
