'use client';

import type { ActionResult } from '@portcullis/next';
import { useActionState } from 'react';
import { createSpendingRequest } from './actions';

export function NewRequestForm() {
  const [state, action, pending] = useActionState<ActionResult<{ id: string }> | null, FormData>(createSpendingRequest, null);
  return (
    <form action={action} className="stack">
      <label>
        New spending limit
        <input name="amount" type="number" min={1} max={1_000_000} step={1} required />
      </label>
      <label>
        Reason
        <input name="reason" type="text" maxLength={500} required />
      </label>
      <button type="submit" disabled={pending}>
        Create request
      </button>
      {state && !state.ok ? (
        <p className="alert" role="alert">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
