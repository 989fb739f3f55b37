import { and, eq, isNull } from 'drizzle-orm';
import type { Role } from '@portcullis/contracts';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { ServiceContext } from '../context.js';
import type { Db } from '../db/database.js';
import { users } from '../db/schema.js';
import { ApiError, invalidLink } from '../errors.js';
import type { MailOutbox } from '../mail/outbox.js';
import type { MailTemplates } from '../mail/templates.js';
import { requireStrongPassword } from '../passwords/password-policy.js';
import type { ClientContext } from '../sessions/session-store.js';
import { normalizeEmail } from '../users/user-store.js';
import type { AccountTokens } from './account-tokens.js';
import { accountById } from './account-rows.js';
import { admitFlow } from './flow-throttle.js';
import { wholeHours } from './link-lifetime.js';

type Caller = ClientContext & { readonly requestId?: string };

/** What an invitation needs: the HTTP API passes its context, the command line builds the same parts itself. */
export interface Inviting {
  readonly config: Pick<Config, 'accounts'>;
  readonly clock: Clock;
  readonly db: Db;
  readonly accountTokens: AccountTokens;
  readonly outbox: MailOutbox;
  readonly templates: MailTemplates;
  readonly audit: Pick<AuditLog, 'record'>;
}

export function invitingFrom(context: ServiceContext): Inviting {
  const { config, clock, accountTokens, mailTemplates: templates, audit } = context;
  return { config, clock, db: context.database.db, accountTokens, outbox: context.mail.outbox, templates, audit };
}

function addressTaken(): ApiError {
  return new ApiError('conflict', 'This address already has an account.');
}

/**
 * Invites an address (by an admin over HTTP or an operator on the command line): an account with no password yet, so
 * nobody can sign in to it, and a link mailed to the address to choose one (INVITATION_TTL). Inviting an address whose
 * invitation is still unanswered sends a new link (the older one stops working) with the role now given; an address
 * that already has an account is a conflict. The caller sends the queued mail (`MailSender.kick`) or leaves it to the
 * running service.
 */
export async function invite(
  inviting: Inviting,
  invitation: { email: string; role: Role; client: Caller; by: string; bySession?: string },
): Promise<{ id: string; resent: boolean }> {
  const email = normalizeEmail(invitation.email);
  const now = new Date(inviting.clock.now());
  const ttlSeconds = inviting.config.accounts.invitationTtlSeconds;
  const outcome = await inviting.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(users)
      .values({ email, name: email.split('@')[0] ?? email, role: invitation.role, passwordHash: null, invitedAt: now, createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id });
    let id = created?.id;
    if (id === undefined) {
      // Only an invitation still unanswered may be sent again; an account someone uses is never touched here.
      const [pending] = await tx
        .update(users)
        .set({ role: invitation.role, invitedAt: now, updatedAt: now })
        .where(and(eq(users.email, email), isNull(users.passwordHash), eq(users.disabled, false)))
        .returning({ id: users.id });
      if (pending === undefined) return null;
      id = pending.id;
    }
    const { token } = await inviting.accountTokens.issue(tx, { userId: id, purpose: 'invitation', ttlSeconds });
    await inviting.outbox.enqueue(tx, inviting.templates.invitation(email, { token, validHours: wholeHours(ttlSeconds) }));
    return { id, resent: created === undefined };
  });
  if (outcome === null) throw addressTaken();
  await inviting.audit.record({
    type: 'account.invited',
    userId: outcome.id,
    sid: invitation.bySession ?? null,
    ...invitation.client,
    reason: outcome.resent ? 'resent' : 'invited',
    detail: { by: invitation.by, role: invitation.role, email },
  });
  return outcome;
}

/**
 * `POST /v1/auth/invitations/accept`: the invitee chooses a password and a name; the link proved the address, so the
 * account is verified and can sign in at once. The link is looked at first and spent only once the password passes
 * the policy, so a refused password leaves it working.
 */
export async function acceptInvitation(context: ServiceContext, request: { token: string; password: string; name: string; client: Caller }): Promise<void> {
  await admitFlow(context, 'invitation', request.client);
  const { accountTokens, database } = context;
  const link = await accountTokens.peek(database.db, request.token, 'invitation');
  const invitee = link === null ? null : await accountById(database.db, link.userId);
  if (invitee === null) throw invalidLink();
  await requireStrongPassword(context.passwordPolicy, request.password, { email: invitee.email });
  const passwordHash = await context.passwords.hash(request.password);
  const now = new Date(context.clock.now());
  const accepted = await database.db.transaction(async (tx) => {
    const spent = await accountTokens.consume(tx, request.token, 'invitation');
    if (spent === null) return null;
    const [row] = await tx
      .update(users)
      .set({ passwordHash, name: request.name, emailVerifiedAt: now, updatedAt: now })
      .where(and(eq(users.id, spent.userId), isNull(users.passwordHash), eq(users.disabled, false)))
      .returning({ id: users.id });
    return row ?? null;
  });
  if (accepted === null) throw invalidLink();
  await context.audit.record({ type: 'account.invitation_accepted', userId: accepted.id, ...request.client });
}
