'use client';

import type { ActionResult } from '@portcullis/next';
import { useActionState } from 'react';

/** The app's server action that revokes one of the caller's sessions (each app signs out its own way). */
export type RevokeSessionAction = (previous: ActionResult<{ revoked: string }> | null, form: FormData) => Promise<ActionResult<{ revoked: string }>>;

export function RevokeButton({ sessionId, current, revoke }: { sessionId: string; current: boolean; revoke: RevokeSessionAction }) {
  const [state, action, pending] = useActionState<ActionResult<{ revoked: string }> | null, FormData>(revoke, null);
  return (
    <form action={action} className="inline">
      <input type="hidden" name="sessionId" value={sessionId} />
      <button type="submit" disabled={pending}>
        {current ? 'Revoke (signs you out)' : 'Revoke'}
      </button>
      {state && !state.ok ? <span role="alert">{state.message}</span> : null}
    </form>
  );
}
