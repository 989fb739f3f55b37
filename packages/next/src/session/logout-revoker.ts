import type { ClientInfo } from '../backend/client-info.js';
import { BackendRejectedError } from '../errors.js';
import type { Logger } from '../logging/logger.js';

export interface LogoutRevokerOptions {
  logout: (refreshToken: string, client: ClientInfo) => Promise<void>;
  /** Waits between the attempts made while the user waits for the sign-out answer. */
  retryDelaysMs: readonly number[];
  /** Waits between the attempts made in the background after that. */
  backgroundDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  schedule?: (task: () => void, ms: number) => void;
  logger: Logger;
}

export interface RevocationSubject {
  sid: string;
  sub: string;
  refreshToken: string;
}

export type RevocationResult = 'revoked' | 'queued';

/**
 * Revokes a session at the backend on sign-out (`/v1/auth/logout`) before the cookies are cleared. A failed
 * attempt is retried, first in line, then in the background with growing waits until the refresh token would
 * have expired anyway; every failure is logged and the last one says the revocation was abandoned, so a
 * sign-out is never dropped silently (OWASP ASVS 5.0 §7.4.1).
 */
export class LogoutRevoker {
  readonly #options: Required<LogoutRevokerOptions>;
  #queued = 0;

  constructor(options: LogoutRevokerOptions) {
    this.#options = {
      backgroundDelaysMs: [5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000],
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      schedule: (task, ms) => setTimeout(task, ms).unref(),
      ...options,
    };
  }

  /** Revocations waiting for a background retry. */
  get queued(): number {
    return this.#queued;
  }

  async revoke(subject: RevocationSubject, client: ClientInfo): Promise<RevocationResult> {
    const delays = [0, ...this.#options.retryDelaysMs];
    for (const [attempt, delay] of delays.entries()) {
      if (delay > 0) await this.#options.sleep(delay);
      if (await this.#attempt(subject, client, attempt)) return 'revoked';
    }
    this.#queued += 1;
    this.#retryLater(subject, client, 0);
    return 'queued';
  }

  /** True when the backend no longer holds the session (revoked now, or already gone). */
  async #attempt(subject: RevocationSubject, client: ClientInfo, attempt: number): Promise<boolean> {
    const { logger } = this.#options;
    try {
      await this.#options.logout(subject.refreshToken, client);
      logger.info({ event: 'logout.revoked', sid: subject.sid, userId: subject.sub, attempt }, 'session revoked at the backend');
      return true;
    } catch (error) {
      // `invalid_grant`: the backend no longer knows this refresh token — the session is already over.
      if (error instanceof BackendRejectedError && error.backendCode !== 'rate_limited') {
        logger.info({ event: 'logout.already_ended', sid: subject.sid, userId: subject.sub, reason: error.backendCode }, 'session was already ended');
        return true;
      }
      logger.error({ event: 'logout.failed', sid: subject.sid, userId: subject.sub, attempt, error }, 'revocation at the backend failed; will retry');
      return false;
    }
  }

  #retryLater(subject: RevocationSubject, client: ClientInfo, index: number): void {
    const delay = this.#options.backgroundDelaysMs[index];
    if (delay === undefined) {
      this.#queued -= 1;
      this.#options.logger.error(
        { event: 'logout.abandoned', sid: subject.sid, userId: subject.sub },
        'revocation abandoned after every retry; the session ends when its refresh token expires',
      );
      return;
    }
    this.#options.schedule(() => {
      void this.#attempt(subject, client, index + 1 + this.#options.retryDelaysMs.length).then((done) => {
        if (done) this.#queued -= 1;
        else this.#retryLater(subject, client, index + 1);
      });
    }, delay);
  }
}
