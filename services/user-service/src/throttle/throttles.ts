import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

const ALLOWED: ThrottleVerdict = Object.freeze({ allowed: true });

function refusedFor(result: RateLimiterRes): ThrottleVerdict {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
}

/** Keys stay short and keep no raw email address in Redis. */
function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url').slice(0, 22);
}

export interface Throttles {
  /**
   * Before any password check: counts the attempt per IP and reserves one failure on the email+IP and account
   * counters, refusing when any is exhausted. Reserving first (not counting after the check) means parallel guesses
   * cannot all slip past the limit before the first failure is recorded (OWASP ASVS 5.0 §6.3.1).
   */
  admitLogin(email: string, ip: string): Promise<ThrottleVerdict>;
  /** The password was right: the reserved failure is given back and the email+IP streak starts over. */
  recordLoginSuccess(email: string, ip: string): Promise<void>;
  admitRefresh(ip: string): Promise<ThrottleVerdict>;
  close(): Promise<void>;
}

/**
 * Brute-force throttling (OWASP ASVS 5.0 §6.3.1, 4.0.3 §2.2.1) with rate-limiter-flexible: consecutive failures per
 * email+IP, attempts per IP, failures per account from all IPs, refreshes per IP. With Redis the counters are shared
 * by every instance; if Redis is down each instance falls back to its own memory limits — never to no limit.
 */
export function createThrottles(config: Config, logger: Logger): Throttles {
  const limits = config.throttle;
  let redis: Redis | undefined;
  if (config.redisUrl !== undefined) {
    // No offline queue: while Redis is away, calls fail at once and the in-memory insurance limiter answers.
    redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    let warned = false;
    redis.on('error', (error: Error) => {
      if (warned) return;
      warned = true;
      logger.error({ alert: 'alert.redis_unavailable', err: { message: error.message } }, 'Redis unavailable: throttling falls back to per-instance memory limits');
    });
    redis.on('ready', () => {
      if (warned) logger.warn({ alert: 'alert.redis_recovered' }, 'Redis is back: throttling counters are shared again');
      warned = false;
    });
  }

  function limiter(name: string, options: { points: number; duration: number; blockDuration?: number }): RateLimiterAbstract {
    const keyPrefix = `portcullis:${name}`;
    const memory = new RateLimiterMemory({ ...options, keyPrefix });
    if (redis === undefined) return memory;
    return new RateLimiterRedis({ ...options, keyPrefix, storeClient: redis, insuranceLimiter: memory });
  }

  const failuresByEmailIp = limiter('login-fail-email-ip', {
    points: limits.maxFailuresPerEmailIp,
    duration: limits.failureWindowSeconds,
    blockDuration: limits.failureWindowSeconds,
  });
  const attemptsByIp = limiter('login-ip', { points: limits.maxAttemptsPerIp, duration: limits.failureWindowSeconds });
  const failuresByAccount = limiter('login-fail-account', { points: limits.maxFailuresPerAccountPerHour, duration: 3600 });
  const refreshesByIp = limiter('refresh-ip', { points: limits.maxRefreshesPerIpPerMinute, duration: 60 });

  async function consume(target: RateLimiterAbstract, key: string): Promise<ThrottleVerdict> {
    try {
      await target.consume(key);
      return ALLOWED;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return refusedFor(rejection);
      throw rejection;
    }
  }

  return {
    async admitLogin(email, ip) {
      const account = accountKey(email);
      const perIp = await consume(attemptsByIp, ip);
      if (!perIp.allowed) return perIp;
      const streak = await consume(failuresByEmailIp, `${account}:${ip}`);
      if (!streak.allowed) return streak;
      const perAccount = await consume(failuresByAccount, account);
      // Refused by the account limit: the email+IP reservation is given back, this attempt never ran.
      if (!perAccount.allowed) await failuresByEmailIp.reward(`${account}:${ip}`);
      return perAccount;
    },
    async recordLoginSuccess(email, ip) {
      const account = accountKey(email);
      await failuresByEmailIp.delete(`${account}:${ip}`);
      await failuresByAccount.reward(account);
    },
    admitRefresh: (ip) => consume(refreshesByIp, ip),
    async close() {
      redis?.disconnect();
    },
  };
}
