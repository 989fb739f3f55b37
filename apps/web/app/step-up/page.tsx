import { popupStateSchema } from '@portcullis/contracts';
import { STEP_UP_REQUEST_ID } from '@portcullis/next/popup';
import type { Metadata } from 'next';
import { auth } from '../../lib/auth';
import { myMfaStatusOrNone } from '../../lib/mfa-data';
import { FactorStepUpForm } from './factor-step-up-form';
import { StepUpForm } from './step-up-form';

export const metadata: Metadata = { title: 'Confirm it is you — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The step-up popup: the signed-in user proves again it is them before a sensitive action (RFC 9470) — with their second
 * factor when they have one (a passkey first, then a code), otherwise with their password. It needs the session it
 * strengthens; framing is refused by the proxy's `frame-ancestors 'none'`.
 */
export default async function StepUpPage({ searchParams }: { searchParams: SearchParams }) {
  const session = await auth().page.requireSession();
  const params = await searchParams;
  const state = typeof params.state === 'string' && popupStateSchema.safeParse(params.state).success ? params.state : null;
  const valid = params.requestId === STEP_UP_REQUEST_ID && state !== null;
  const status = await myMfaStatusOrNone();
  const factors = { passkey: status.passkeys > 0, totp: status.totp, recoveryCode: status.recoveryCodesLeft > 0 };
  const secondFactor = factors.passkey || factors.totp;
  return (
    <main>
      <h1>{secondFactor ? 'Confirm it is you' : 'Confirm your password'}</h1>
      {valid && secondFactor ? <FactorStepUpForm email={session.user.email} state={state} appOrigin={auth().config.appOrigin} factors={factors} /> : null}
      {valid && !secondFactor ? <StepUpForm email={session.user.email} state={state} appOrigin={auth().config.appOrigin} /> : null}
      {valid ? null : (
        <p className="alert" role="alert">
          This link is not valid. Start again from the page that asked for your password.
        </p>
      )}
    </main>
  );
}
