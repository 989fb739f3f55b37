import type { ReactNode } from 'react';

/** A page from a mail opened without its token (cut off by a mail program, or typed by hand). */
export function IncompleteLink({ children }: { children: ReactNode }) {
  return (
    <p className="alert" role="alert">
      This link is incomplete. Open it again from the mail, or {children}
    </p>
  );
}
