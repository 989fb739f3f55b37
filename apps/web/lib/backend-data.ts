import { adminUserSchema, deviceSessionSchema, type AdminUser, type DeviceSession } from '@portcullis/contracts';
import { changeAtBackend, readFromBackend } from '@portcullis/next';
import { z } from 'zod';
import { auth } from './auth';

export async function listMySessions(): Promise<DeviceSession[]> {
  return (await readFromBackend(auth(), '/v1/auth/sessions', z.object({ sessions: z.array(deviceSessionSchema) }))).sessions;
}

export async function listUsers(): Promise<AdminUser[]> {
  return (await readFromBackend(auth(), '/v1/users', z.object({ users: z.array(adminUserSchema) }))).users;
}

/** A state change on the user's behalf; the backend's refusals arrive as typed errors (`StepUpRequiredError`, RFC 9470). */
export async function change(method: 'PATCH' | 'DELETE', path: string, accessToken: string, body?: unknown): Promise<unknown> {
  return changeAtBackend(auth(), { method, path, accessToken, ...(body === undefined ? {} : { body }) });
}
