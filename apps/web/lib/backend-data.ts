import {
  auditEventSchema,
  deviceSessionSchema,
  userDirectoryPageSchema,
  type AdminUser,
  type AuditEvent,
  type DeviceSession,
  type UserDirectoryPage,
} from '@portcullis/contracts';
import { changeAtBackend, readFromBackend } from '@portcullis/next';
import { z } from 'zod';
import { auth } from './auth';
import { directorySearch, type DirectoryQuery } from './directory-query';

export async function listMySessions(): Promise<DeviceSession[]> {
  return (await readFromBackend(auth(), '/v1/auth/sessions', z.object({ sessions: z.array(deviceSessionSchema) }))).sessions;
}

/** One page of the user directory (search, filters, cursor as the admin page's address has them). */
export async function listUsers(query: DirectoryQuery): Promise<UserDirectoryPage> {
  return readFromBackend(auth(), `/v1/users?${directorySearch(query)}`, userDirectoryPageSchema);
}

/** One user of the directory by id, or null when there is none. */
export async function findUser(userId: string): Promise<AdminUser | null> {
  const page = await readFromBackend(auth(), `/v1/users?ids=${encodeURIComponent(userId)}&limit=1`, userDirectoryPageSchema);
  return page.users[0] ?? null;
}

/** A user's latest security events, newest first. */
export async function listUserEvents(userId: string, limit: number): Promise<AuditEvent[]> {
  const path = `/v1/users/${encodeURIComponent(userId)}/events?limit=${limit}`;
  return (await readFromBackend(auth(), path, z.object({ events: z.array(auditEventSchema) }))).events;
}

/** A state change on the user's behalf; the backend's refusals arrive as typed errors (`StepUpRequiredError`, RFC 9470). */
export async function change(method: 'POST' | 'PATCH' | 'DELETE', path: string, accessToken: string, body?: unknown): Promise<unknown> {
  return changeAtBackend(auth(), { method, path, accessToken, ...(body === undefined ? {} : { body }) });
}
