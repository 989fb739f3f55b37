import type { ApprovalTicket } from '@portcullis/contracts';
import type { ApprovalDecided, ApprovalDecision, UserServiceClient } from '../backend/user-service-client.js';
import type { ClientInfo, ClientInfoReader } from '../backend/client-info.js';
import { ApprovalRefusedError, isPortcullisError } from '../errors.js';
import type { RequestContext } from '../guards/request-context.js';
import type { Logger } from '../logging/logger.js';
import type { TicketSeal } from './ticket-seal.js';

/** What the approver sees before deciding: who asks, what, when. */
export type ApprovalRequestSummary = ApprovalTicket['request'];

export interface ApproverSignedIn {
  /** The backend's ticket, sealed for this request and state; opaque to the browser. */
  readonly sealedTicket: string;
  readonly expiresAt: number;
  readonly request: ApprovalRequestSummary;
}

export interface Approvals {
  /**
   * The approver's password check in the popup, for this approval only: no session is created and no cookie set,
   * so the requester's session in the shared cookie jar stays what it was. Throttled like the normal sign-in (the
   * browser's address and user agent are forwarded). Throws `InvalidCredentialsError`, `RateLimitedError` or
   * `ApprovalRefusedError` (self approval, approver not MANAGER/ADMIN, request decided or unknown). An approver who has a
   * second factor gives its code (`totp`) or a recovery code with the password, as at step-up (`MfaRequiredError` without).
   */
  signIn(input: { email: string; password: string; requestId: string; state: string; totp?: string; recoveryCode?: string }): Promise<ApproverSignedIn>;
  /** Spends the sealed ticket on the decision; the backend binds the approval to `state`. */
  decide(input: { sealedTicket: string; requestId: string; state: string; decision: ApprovalDecision }): Promise<ApprovalDecided>;
}

export function createApprovals(parts: {
  backend: UserServiceClient;
  context: RequestContext;
  seal: TicketSeal;
  logger: Logger;
  clientInfo: ClientInfoReader;
}): Approvals {
  const { backend, context, seal, logger, clientInfo } = parts;

  async function client(): Promise<ClientInfo> {
    return clientInfo.of(await context.headers());
  }

  function logRefusal(step: string, requestId: string, error: unknown): void {
    if (isPortcullisError(error)) {
      const reason = error instanceof ApprovalRefusedError ? error.reason : error.code;
      logger.warn({ event: 'approval.refused', step, requestId, reason }, 'approval step refused');
    }
  }

  return {
    async signIn({ email, password, requestId, state, totp, recoveryCode }) {
      try {
        const factor = totp !== undefined ? { totp } : recoveryCode !== undefined ? { recoveryCode } : {};
        const issued = await backend.approverSignIn({ email, password, requestId, ...factor }, await client());
        return { sealedTicket: seal.seal(issued.ticket, issued.expiresAt, { requestId, state }), expiresAt: issued.expiresAt, request: issued.request };
      } catch (error) {
        logRefusal('sign_in', requestId, error);
        throw error;
      }
    },
    async decide({ sealedTicket, requestId, state, decision }) {
      const ticket = seal.open(sealedTicket, { requestId, state });
      if (ticket === null) {
        logRefusal('decide', requestId, new ApprovalRefusedError('ticket_invalid'));
        throw new ApprovalRefusedError('ticket_invalid');
      }
      try {
        const decided = await backend.decideApproval({ ticket, state, decision }, await client());
        // The ticket names its request at the backend; a seal for one id must never decide another.
        if (decided.requestId !== requestId) throw new ApprovalRefusedError('unknown');
        logger.info({ event: 'approval.decided', requestId, result: decided.result }, 'approval decided');
        return decided;
      } catch (error) {
        logRefusal('decide', requestId, error);
        throw error;
      }
    },
  };
}
