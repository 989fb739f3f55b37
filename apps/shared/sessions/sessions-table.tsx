import type { DeviceSession } from '@portcullis/contracts';
import { RevokeButton, type RevokeSessionAction } from './revoke-button';

/** The caller's sessions, each with a button that revokes it through the app's own server action. */
export function SessionsTable({
  sessions,
  currentLabel,
  revoke,
}: {
  sessions: DeviceSession[];
  /** How the app names the session this request came with, e.g. `this device`. */
  currentLabel: string;
  revoke: RevokeSessionAction;
}) {
  return (
    <table>
      <thead>
        <tr>
          <th>Device</th>
          <th>Address</th>
          <th>Signed in</th>
          <th>Last used</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <tr key={session.id} data-session-id={session.id} data-current={session.current ? 'true' : 'false'}>
            <td>
              {session.userAgent ?? 'Unknown device'}
              {session.current ? <strong> ({currentLabel})</strong> : null}
            </td>
            <td>{session.ip ?? '—'}</td>
            <td>{new Date(session.createdAt).toISOString()}</td>
            <td>{new Date(session.lastUsedAt).toISOString()}</td>
            <td>
              <RevokeButton sessionId={session.id} current={session.current} revoke={revoke} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
