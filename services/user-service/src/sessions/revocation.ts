import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { RevocationReason, SessionRow, SessionStore } from './session-store.js';
import type { SessionValidity } from './session-validity.js';

/** The audit line a revoked session leaves, or null when the caller records one event for the whole change. */
export type RevocationEvent = (revoked: SessionRow) => AuditRecord | null;

/**
 * The one path by which a session ends early: revoke it in the store, forget what this instance cached about it, and
 * audit it. A revoked `sid` must stop working at once here and within the validity cache's budget on every other
 * instance (OWASP ASVS 5.0 §7.4.1), and every ending must leave its trace in the audit trail — one function, so a new
 * way of ending sessions cannot forget either.
 */
export class SessionRevocation {
  constructor(
    private readonly sessions: Pick<SessionStore, 'revokeSession' | 'revokeUserSessions'>,
    /** This process's validity cache; none in a command-line tool, whose sessions are cached by the running services. */
    private readonly validity: Pick<SessionValidity, 'forget'> | null,
    private readonly audit: Pick<AuditLog, 'record'>,
  ) {}

  /**
   * Ends one session (`ownedBy`: only if it is that user's). Returns it if it was active until now; an unknown or already
   * ended session is forgotten all the same and returns null, with nothing audited.
   */
  async revokeSession(sessionId: string, options: { reason: RevocationReason; ownedBy?: string; event: RevocationEvent }): Promise<SessionRow | null> {
    const revoked = await this.sessions.revokeSession(sessionId, options.reason, options.ownedBy === undefined ? {} : { userId: options.ownedBy });
    this.validity?.forget(sessionId);
    if (revoked !== null) await this.#audit([revoked], options.event);
    return revoked;
  }

  /** Ends every active session of a user, but `except`; returns those it ended. */
  async revokeUserSessions(userId: string, options: { reason: RevocationReason; event: RevocationEvent; except?: string }): Promise<SessionRow[]> {
    const revoked = await this.sessions.revokeUserSessions(userId, options.reason, options.except === undefined ? {} : { except: options.except });
    for (const session of revoked) this.validity?.forget(session.id);
    await this.#audit(revoked, options.event);
    return revoked;
  }

  /** A session the store revoked inside a statement of its own (refresh-token reuse, in the rotation): forget and audit. */
  async revokedInStore(session: SessionRow, event: RevocationEvent): Promise<void> {
    this.validity?.forget(session.id);
    await this.#audit([session], event);
  }

  async #audit(revoked: readonly SessionRow[], event: RevocationEvent): Promise<void> {
    for (const session of revoked) {
      const record = event(session);
      if (record !== null) await this.audit.record(record);
    }
  }
}
