import type { Metadata } from 'next';
import { ForgotPasswordForm } from './forgot-password-form';

export const metadata: Metadata = { title: 'Forgot your password? — Portcullis' };

export default function ForgotPasswordPage() {
  return (
    <main>
      <h1>Forgot your password?</h1>
      <ForgotPasswordForm />
    </main>
  );
}
