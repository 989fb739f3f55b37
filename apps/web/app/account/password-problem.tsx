import type { ActionResult } from '@portcullis/next';
import { AccountProblem } from '../account-problem';

/** A refused change of the signed-in user's own account: a wrong password is theirs to retype, said plainly. */
export function PasswordProblem({ result }: { result: ActionResult<null> | null }) {
  if (result !== null && !result.ok && result.error === 'invalid_credentials') {
    return (
      <p className="alert" role="alert">
        The password you entered is not your current password.
      </p>
    );
  }
  return <AccountProblem result={result} />;
}
