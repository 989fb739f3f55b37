'use client';

import type { ActionResult } from '@portcullis/next';
import { useActionState, type ReactNode } from 'react';
import { AccountProblem } from './account-problem';

type LinkAction = (previous: ActionResult<null> | null, form: FormData) => Promise<ActionResult<null>>;

/**
 * A link from a mail whose only input is its token (verify, confirm or cancel an email change). The page never spends the
 * token when it is opened — mail scanners open links too — only when the person presses the button.
 */
export function LinkTokenForm({
  token,
  action,
  submitLabel,
  done,
  newLink,
}: {
  token: string;
  action: LinkAction;
  submitLabel: string;
  done: ReactNode;
  newLink: ReactNode;
}) {
  const [result, formAction, pending] = useActionState(action, null);
  if (result?.ok) {
    return (
      <div className="notice" role="status">
        {done}
      </div>
    );
  }
  return (
    <form action={formAction} className="stack">
      <input type="hidden" name="token" value={token} />
      <AccountProblem result={result} newLink={newLink} />
      <button type="submit" disabled={pending}>
        {submitLabel}
      </button>
    </form>
  );
}
