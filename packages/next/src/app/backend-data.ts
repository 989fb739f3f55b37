import type { z } from 'zod';
import { backendRefusal } from '../backend/backend-refusal.js';
import type { Auth } from '../create-auth.js';
import { BackendRejectedError, BackendUnavailableError, UnauthenticatedError } from '../errors.js';

/** Reads from the user-service with the caller's own access token; the backend authorizes again. */
export async function readFromBackend<S extends z.ZodType>(auth: Auth, path: string, schema: S): Promise<z.output<S>> {
  const accessToken = await auth.getAccessToken();
  if (!accessToken) throw new UnauthenticatedError();
  const answer = await auth.backend.call({ method: 'GET', path, accessToken });
  if (answer.status !== 200) throw new BackendRejectedError({ backendCode: 'unknown', backendStatus: answer.status });
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new BackendUnavailableError();
  return parsed.data;
}

/**
 * A state change on the user's behalf; maps the backend's refusals onto typed errors — among them
 * `StepUpRequiredError` when an admin action needs a fresh password check (RFC 9470).
 */
export async function changeAtBackend(auth: Auth, request: { method: 'POST' | 'PATCH' | 'DELETE'; path: string; accessToken: string; body?: unknown }): Promise<unknown> {
  const answer = await auth.backend.call(request);
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  throw backendRefusal(answer);
}
