'use client';

import type { ActionResult } from '@portcullis/next';
import { startTransition, useActionState, useRef } from 'react';

type FormServerAction<T> = (previous: ActionResult<T> | null, form: FormData) => Promise<ActionResult<T>>;

export interface RetryableAction<T> {
  readonly state: ActionResult<T> | null;
  readonly formAction: (form: FormData) => void;
  readonly pending: boolean;
  /** Sends the last submission again, e.g. once a step-up has confirmed the password. */
  retry(): void;
}

/** `useActionState` that remembers its last submission, so an action refused for a stale password check can be retried. */
export function useRetryableAction<T>(action: FormServerAction<T>): RetryableAction<T> {
  const last = useRef<FormData | null>(null);
  const [state, dispatch, pending] = useActionState<ActionResult<T> | null, FormData>(async (previous, form) => {
    last.current = form;
    return action(previous, form);
  }, null);
  return {
    state,
    formAction: dispatch,
    pending,
    retry() {
      const form = last.current;
      // Outside a form submission, an action dispatch must run inside a transition.
      if (form) startTransition(() => dispatch(form));
    },
  };
}
