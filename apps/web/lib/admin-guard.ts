import { isPortcullisError, type ServerSession } from '@portcullis/next';
import { redirect } from 'next/navigation';
import { auth } from './auth';
import { parseEnv } from './env';

/** Whether administration wants a multi-factor session here (MFA_REQUIRED_ROLES names ADMIN). */
export function adminNeedsMfa(): boolean {
  return parseEnv(process.env).adminNeedsMfa;
}

/**
 * What every admin action asks of its caller: the ADMIN role with the users:admin scope and, where admins must have a
 * second factor, a session proven by one (OWASP ASVS 5.0 §6.3.3) — a refusal comes back as `mfa_required`.
 */
export function adminOnly(): { role: 'ADMIN'; scope: 'users:admin'; mfa: boolean } {
  return { role: 'ADMIN', scope: 'users:admin', mfa: adminNeedsMfa() };
}

/**
 * The guard of the admin pages: an ADMIN, with a multi-factor session where one is required. A single-factor session
 * (possible only where the service did not require the factor at its sign-in) is sent to set one up.
 */
export async function requireAdminPage(): Promise<ServerSession> {
  try {
    return await auth().page.requireRole('ADMIN', { mfa: adminNeedsMfa() });
  } catch (error) {
    if (isPortcullisError(error) && error.code === 'mfa_required') redirect('/account/security?for=admin');
    throw error;
  }
}
