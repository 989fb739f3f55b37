import type { ActionResult } from '@portcullis/next';
import type { ReactNode } from 'react';

type Refused = Extract<ActionResult<null>, { ok: false }>;

/** Words for a person; the library's messages are fixed text already, so most codes show theirs. */
function problemText(result: Refused): string {
  switch (result.error) {
    case 'backend_unavailable':
      // "Try again", not "refused": nothing was decided about the request.
      return 'The service is unavailable for a moment and nothing was changed. Please try again shortly.';
    case 'invalid_input':
      return result.fields?.includes('confirmPassword') ? 'The two passwords differ: type the same password twice.' : 'Check the fields and try again.';
    default:
      return result.message;
  }
}

/**
 * The alert for a refused account request, if any. `newLink` follows the "expired or used" text: where to ask for a new
 * link (a new reset mail, the verification mail again, a new invitation).
 */
export function AccountProblem({ result, newLink }: { result: ActionResult<null> | null; newLink?: ReactNode }) {
  if (result === null || result.ok) return null;
  return (
    <p className="alert" role="alert">
      {problemText(result)} {result.error === 'invalid_token' ? newLink : null}
    </p>
  );
}
