import { adminUserSchema, deviceSessionSchema, type AdminUser, type DeviceSession } from '@portcullis/contracts';
import { BackendRejectedError, BackendUnavailableError, backendRefusal, UnauthenticatedError } from '@portcullis/next';
import { z } from 'zod';
import { auth } from './auth';

/** Reads from the user-service with the caller's own access token; the backend authorizes again. */
async function get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  const accessToken = await auth().getAccessToken();
  if (!accessToken) throw new UnauthenticatedError();
  const answer = await auth().backend.call({ method: 'GET', path, accessToken });
  if (answer.status !== 200) throw new BackendRejectedError({ backendCode: 'unknown', backendStatus: answer.status });
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new BackendUnavailableError();
  return parsed.data;
}

export async function listMySessions(): Promise<DeviceSession[]> {
  return (await get('/v1/auth/sessions', z.object({ sessions: z.array(deviceSessionSchema) }))).sessions;
}

export async function listUsers(): Promise<AdminUser[]> {
  return (await get('/v1/users', z.object({ users: z.array(adminUserSchema) }))).users;
}

/**
 * A state change on the user's behalf; maps the backend's refusals onto typed errors — among them
 * `StepUpRequiredError` when an admin action needs a fresh password check (RFC 9470).
 */
export async function change(method: 'PATCH' | 'DELETE', path: string, accessToken: string, body?: unknown): Promise<unknown> {
  const answer = await auth().backend.call({ method, path, accessToken, ...(body === undefined ? {} : { body }) });
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  throw backendRefusal(answer);
}
