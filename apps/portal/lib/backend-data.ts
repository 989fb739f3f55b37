import { deviceSessionSchema, userSchema, type DeviceSession, type User } from '@portcullis/contracts';
import { BackendRejectedError, BackendUnavailableError, backendRefusal, UnauthenticatedError } from '@portcullis/next';
import { z } from 'zod';
import { auth } from './auth';

/** Reads from the user-service with the caller's own access token (issued by the provider); the backend authorizes again. */
async function get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  const accessToken = await auth().getAccessToken();
  if (!accessToken) throw new UnauthenticatedError();
  const answer = await auth().backend.call({ method: 'GET', path, accessToken });
  if (answer.status !== 200) throw new BackendRejectedError({ backendCode: 'unknown', backendStatus: answer.status });
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new BackendUnavailableError();
  return parsed.data;
}

export async function me(): Promise<User> {
  return (await get('/v1/me', z.object({ user: userSchema }))).user;
}

export async function listMySessions(): Promise<DeviceSession[]> {
  return (await get('/v1/auth/sessions', z.object({ sessions: z.array(deviceSessionSchema) }))).sessions;
}

export async function revoke(sessionId: string, accessToken: string): Promise<void> {
  const answer = await auth().backend.call({ method: 'DELETE', path: `/v1/auth/sessions/${encodeURIComponent(sessionId)}`, accessToken });
  if (answer.status >= 200 && answer.status < 300) return;
  throw backendRefusal(answer);
}
