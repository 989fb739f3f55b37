import { randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { roleAtLeast, type ApprovalRefusalReason, type SpendingRequest } from '@portcullis/contracts';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { approvalTickets, approvals, spendingRequests, users } from '../db/schema.js';
import { hashRefreshToken as hashSecret } from '../tokens/refresh-token.js';
import type { UserRow } from '../users/user-store.js';

type RequestRow = typeof spendingRequests.$inferSelect;

export type ApprovalRefusal = ApprovalRefusalReason;

/** What a refusal is known to concern, for its audit row: a spent ticket tells its request and approver. */
export interface RefusalSubject {
  readonly requestId: string;
  readonly approverId: string;
}

export class ApprovalRefused extends Error {
  override readonly name = 'ApprovalRefused';
  constructor(
    readonly reason: ApprovalRefusal,
    readonly subject: RefusalSubject | null = null,
  ) {
    super(reason);
  }
}

/** An approver must be a MANAGER or ADMIN, enabled, and never the requester themself. */
function approverRefusal(approver: Pick<UserRow, 'id' | 'role' | 'disabled'>, request: RequestRow): ApprovalRefusal | null {
  if (approver.id === request.requesterId) return 'self_approval';
  if (approver.disabled || !roleAtLeast(approver.role, 'MANAGER')) return 'approver_not_allowed';
  return null;
}

function approvalScope(requestId: string): string {
  return `approval:${requestId}`;
}

/**
 * Spending requests and their approvals. An approval is server-side, single use, short-lived and bound to the
 * request, the requester, the approver and the opener's `state`; nothing that travels by postMessage can redeem it
 * (RFC 9700 §4.17).
 */
export class ApprovalStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: { approvalTtlSeconds: number; ticketTtlSeconds: number },
  ) {}

  async createRequest(requesterId: string, amount: number, reason: string): Promise<SpendingRequest> {
    const [row] = await this.db
      .insert(spendingRequests)
      .values({ requesterId, amount, reason, status: 'pending', createdAt: new Date(this.clock.now()) })
      .returning();
    if (row === undefined) throw new Error('request insert returned no row');
    return this.toView(row);
  }

  async listRequests(requesterId: string): Promise<SpendingRequest[]> {
    const rows = await this.db.select().from(spendingRequests).where(eq(spendingRequests.requesterId, requesterId)).orderBy(desc(spendingRequests.createdAt)).limit(100);
    return Promise.all(rows.map((row) => this.toView(row)));
  }

  /** The requester's own request; another user's is "not found". */
  async findRequest(id: string, requesterId: string): Promise<SpendingRequest | null> {
    const [row] = await this.db
      .select()
      .from(spendingRequests)
      .where(and(eq(spendingRequests.id, id), eq(spendingRequests.requesterId, requesterId)))
      .limit(1);
    return row === undefined ? null : this.toView(row);
  }

  /** After the approver's password check: a single-use ticket for this request, and what they are about to approve. */
  async issueTicket(requestId: string, approver: UserRow) {
    const [found] = await this.db
      .select({ request: spendingRequests, requester: { email: users.email, name: users.name } })
      .from(spendingRequests)
      .innerJoin(users, eq(users.id, spendingRequests.requesterId))
      .where(eq(spendingRequests.id, requestId))
      .limit(1);
    if (found === undefined) throw new ApprovalRefused('request_not_found');
    const refusal = found.request.status !== 'pending' ? 'request_not_pending' : approverRefusal(approver, found.request);
    if (refusal !== null) throw new ApprovalRefused(refusal);
    const ticket = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + this.options.ticketTtlSeconds * 1000;
    await this.db.insert(approvalTickets).values({
      ticketHash: hashSecret(ticket),
      requestId,
      approverId: approver.id,
      createdAt: new Date(now),
      expiresAt: new Date(expiresAt),
    });
    const { request, requester } = found;
    return {
      ticket,
      expiresAt,
      request: { id: request.id, amount: request.amount, reason: request.reason, createdAt: request.createdAt.getTime(), requester },
      requesterId: request.requesterId,
    };
  }

  /**
   * Spends the ticket and records the approver's decision in one transaction: an approval bound to the opener's
   * `state`, or the request's rejection. Roles are checked again here, not only when the ticket was issued.
   */
  async decide(ticket: string, state: string, decision: 'approve' | 'reject') {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const [spent] = await tx
        .update(approvalTickets)
        .set({ usedAt: new Date(now) })
        .where(and(eq(approvalTickets.ticketHash, hashSecret(ticket)), isNull(approvalTickets.usedAt), gt(approvalTickets.expiresAt, new Date(now))))
        .returning();
      if (spent === undefined) throw new ApprovalRefused('ticket_invalid');
      const subject: RefusalSubject = { requestId: spent.requestId, approverId: spent.approverId };
      const [request] = await tx.select().from(spendingRequests).where(eq(spendingRequests.id, spent.requestId)).limit(1).for('update');
      const [approver] = await tx.select().from(users).where(eq(users.id, spent.approverId)).limit(1);
      if (request === undefined || approver === undefined) throw new ApprovalRefused('request_not_found', subject);
      const refusal = request.status !== 'pending' ? 'request_not_pending' : approverRefusal(approver, request);
      if (refusal !== null) throw new ApprovalRefused(refusal, subject);

      if (decision === 'reject') {
        await tx
          .update(spendingRequests)
          .set({ status: 'rejected', decidedAt: new Date(now), decidedBy: approver.id })
          .where(eq(spendingRequests.id, request.id));
        return { requestId: request.id, requesterId: request.requesterId, approverId: approver.id, result: 'rejected' as const, expiresAt: null };
      }
      const expiresAt = now + this.options.approvalTtlSeconds * 1000;
      await tx.insert(approvals).values({
        requestId: request.id,
        requesterId: request.requesterId,
        approverId: approver.id,
        scope: approvalScope(request.id),
        stateHash: hashSecret(state),
        createdAt: new Date(now),
        expiresAt: new Date(expiresAt),
      });
      return { requestId: request.id, requesterId: request.requesterId, approverId: approver.id, result: 'approved' as const, expiresAt };
    });
  }

  /**
   * The requester redeems the approval: one transaction with the approval row locked, checking request, requester,
   * `state`, expiry and both people's roles, then marking it consumed and the request approved (OWASP ASVS 5.0 §15.4.2).
   */
  async consumeApproval(requestId: string, requester: Pick<UserRow, 'id' | 'disabled'>, state: string): Promise<{ request: SpendingRequest; approverId: string }> {
    const now = this.clock.now();
    type Outcome = { refused: ApprovalRefusal } | { approved: RequestRow; approverId: string };
    const outcome = await this.db.transaction(async (tx): Promise<Outcome> => {
      const [request] = await tx.select().from(spendingRequests).where(eq(spendingRequests.id, requestId)).limit(1).for('update');
      if (request === undefined) return { refused: 'request_not_found' };
      if (request.requesterId !== requester.id) return { refused: 'wrong_requester' };
      if (requester.disabled) return { refused: 'requester_not_allowed' };
      // The approval bound to *this* state: one made for another attempt (say, through a hostile page that opened
      // the approval page with its own state) can neither be used here nor stand in the way of this one.
      const [approval] = await tx
        .select()
        .from(approvals)
        .where(and(eq(approvals.requestId, requestId), eq(approvals.stateHash, hashSecret(state))))
        .orderBy(desc(approvals.createdAt))
        .limit(1)
        .for('update');
      if (approval === undefined) {
        const [other] = await tx.select({ id: approvals.id }).from(approvals).where(eq(approvals.requestId, requestId)).limit(1);
        return { refused: other === undefined ? 'no_approval' : 'state_mismatch' };
      }
      if (approval.consumedAt !== null) return { refused: 'already_consumed' };
      if (request.status !== 'pending') return { refused: 'request_not_pending' };
      if (approval.expiresAt.getTime() <= now) return { refused: 'expired' };
      const [approver] = await tx.select().from(users).where(eq(users.id, approval.approverId)).limit(1);
      if (approver === undefined) return { refused: 'approver_not_allowed' };
      const approverProblem = approverRefusal(approver, request);
      if (approverProblem !== null) return { refused: approverProblem };

      await tx
        .update(approvals)
        .set({ consumedAt: new Date(now) })
        .where(eq(approvals.id, approval.id));
      const [approved] = await tx
        .update(spendingRequests)
        .set({ status: 'approved', decidedAt: new Date(now), decidedBy: approval.approverId })
        .where(eq(spendingRequests.id, requestId))
        .returning();
      if (approved === undefined) throw new Error('request update returned no row');
      return { approved, approverId: approval.approverId };
    });
    if ('refused' in outcome) throw new ApprovalRefused(outcome.refused);
    return { request: await this.toView(outcome.approved), approverId: outcome.approverId };
  }

  private async toView(row: RequestRow): Promise<SpendingRequest> {
    const waiting =
      row.status === 'pending'
        ? await this.db
            .select({ id: approvals.id })
            .from(approvals)
            .where(and(eq(approvals.requestId, row.id), isNull(approvals.consumedAt), gt(approvals.expiresAt, new Date(this.clock.now()))))
            .limit(1)
        : [];
    return {
      id: row.id,
      requesterId: row.requesterId,
      amount: row.amount,
      reason: row.reason,
      status: row.status,
      createdAt: row.createdAt.getTime(),
      decidedAt: row.decidedAt?.getTime() ?? null,
      approvalWaiting: waiting.length > 0,
    };
  }
}
