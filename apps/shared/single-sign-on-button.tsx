'use client';

import { signInWithSingleSignOn } from '@portcullis/next/client';
import { useState } from 'react';

/** Starts single sign-on at the Portcullis provider; the browser leaves the page. */
export function SingleSignOnButton({ callbackPath, label }: { callbackPath: string; label: string }) {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      disabled={pending}
      onClick={() => {
        setPending(true);
        void signInWithSingleSignOn({ callbackPath }).catch(() => setPending(false));
      }}
    >
      {pending ? 'Redirecting…' : label}
    </button>
  );
}
