import { deviceSessionSchema, userSchema, type DeviceSession, type User } from '@portcullis/contracts';
import { changeAtBackend, readFromBackend } from '@portcullis/next';
import { z } from 'zod';
import { auth } from './auth';

// Reads and changes go with the caller's own access token (issued by the provider); the backend authorizes again.

export async function me(): Promise<User> {
  return (await readFromBackend(auth(), '/v1/me', z.object({ user: userSchema }))).user;
}

export async function listMySessions(): Promise<DeviceSession[]> {
  return (await readFromBackend(auth(), '/v1/auth/sessions', z.object({ sessions: z.array(deviceSessionSchema) }))).sessions;
}

export async function revoke(sessionId: string, accessToken: string): Promise<void> {
  await changeAtBackend(auth(), { method: 'DELETE', path: `/v1/auth/sessions/${encodeURIComponent(sessionId)}`, accessToken });
}
