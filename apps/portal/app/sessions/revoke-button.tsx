'use client';

import type { ActionResult } from '@portcullis/next';
import { useActionState } from 'react';
import { revokeSession } from './actions';

export function RevokeButton({ sessionId, current }: { sessionId: string; current: boolean }) {
  const [state, action, pending] = useActionState<ActionResult<{ revoked: string }> | null, FormData>(revokeSession, null);
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
