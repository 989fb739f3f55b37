import type { Metadata } from 'next';
import { auth } from '../../lib/auth';
import { Nav } from '../nav';
import { ChangeEmailForm } from './change-email-form';
import { ChangePasswordForm } from './change-password-form';

export const metadata: Metadata = { title: 'My account — Portcullis' };

/** The signed-in user's own credentials: a new password, another email address (docs/accounts.md). */
export default async function AccountPage() {
  const session = await auth().page.requireScope('sessions:manage');
  return (
    <main>
      <Nav session={session} />
      <h1>My account</h1>
      <ChangePasswordForm />
      <ChangeEmailForm currentEmail={session.user.email} />
    </main>
  );
}
