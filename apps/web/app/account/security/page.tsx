import type { Metadata } from 'next';
import { auth } from '../../../lib/auth';
import { myMfaStatus, myPasskeys } from '../../../lib/mfa-data';
import { Nav } from '../../nav';
import { PasskeysSection } from './passkeys-section';
import { RecoveryCodesSection } from './recovery-codes-section';
import { TotpSection } from './totp-section';

export const metadata: Metadata = { title: 'Sign-in security — Portcullis' };

/**
 * The signed-in user's second factors (OWASP ASVS 5.0 §6.3.3): an authenticator app (TOTP, RFC 6238), passkeys
 * (WebAuthn L3) and recovery codes. The service asks for a recent authentication before any change, so a change made
 * long after sign-in first asks the person to confirm it is them.
 */
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SecurityPage({ searchParams }: { searchParams: SearchParams }) {
  const session = await auth().page.requireScope('sessions:manage');
  // Sent here by the admin pages, which want a session proven by a second factor.
  const forAdmin = (await searchParams).for === 'admin';
  const [status, passkeys] = await Promise.all([myMfaStatus(), myPasskeys()]);
  const appOrigin = auth().config.appOrigin;
  const hasFactor = status.totp || status.passkeys > 0;
  return (
    <main>
      <Nav session={session} />
      <h1>Sign-in security</h1>
      {forAdmin ? (
        <p className="alert" role="alert">
          The admin pages need two-step sign-in. Set up a passkey or an authenticator app here, then sign out and sign in again with it.
        </p>
      ) : null}
      <p role="status">
        {hasFactor
          ? 'Two-step sign-in is on: after your password, you confirm it is you with a passkey or a code.'
          : status.required
            ? 'Your role needs two-step sign-in: add an authenticator app or a passkey.'
            : 'Two-step sign-in is off. Add an authenticator app or a passkey to protect your account.'}
      </p>
      <TotpSection enrolled={status.totp} appOrigin={appOrigin} />
      <PasskeysSection passkeys={passkeys} appOrigin={appOrigin} />
      {hasFactor ? <RecoveryCodesSection left={status.recoveryCodesLeft} appOrigin={appOrigin} /> : null}
    </main>
  );
}
