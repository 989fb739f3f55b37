import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressBucket } from '@portcullis/contracts';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { HashingLane } from '../passwords/hashing-lanes.js';

export type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * An admitted sign-in also learns which hashing lane it waits in (passwords/hashing-lanes.ts); a refused one, whether the
 * account's own limits refused it or only the address's (then it says nothing about the account, and its owner is not told).
 */
type LoginVerdict =
  { readonly allowed: true; readonly lane: HashingLane } | { readonly allowed: false; readonly retryAfterSeconds: number; readonly limit: 'account' | 'address' };

/** How long a successful sign-in keeps its email+address pair `known` (two weeks; within a timer's 24.8-day range). */
const KNOWN_PAIR_SECONDS = 14 * 24 * 3600;

/** The address-failure counter only classifies, it never refuses on its own. */
const UNLIMITED = 1_000_000_000;

function refusedFor(result: RateLimiterRes): ThrottleVerdict {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
}

/** Keys stay short and keep no raw email address in Redis. */
function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url').slice(0, 22);
}

/** Per-address counters count an IPv6 client by its /64 (RFC 6177: one subscriber routinely holds a whole /64). */
function addressKey(ip: string): string {
  return addressBucket(ip) ?? ip;
}

/** The self-service account flows, each throttled on its own (OWASP ASVS 5.0 §6.3.1, §6.4). */
export type AccountFlow = 'password_forgot' | 'password_reset' | 'signup' | 'email_verification' | 'invitation' | 'email_change' | 'password_change';

export interface Throttles {
  /**
   * Before any password check: counts the attempt per IP and reserves one failure on the email+IP and account
   * counters, refusing when a limit is exhausted. Reserving first (not counting after the check) means parallel guesses
   * cannot all slip past the limit before the first failure is recorded (OWASP ASVS 5.0 §6.3.1). A pair that signed in
   * recently is not refused by the account limit, so failures from elsewhere cannot lock its owner out (OWASP "Slow
   * Down Online Guessing Attacks with Device Cookies"); its own streak limit still holds.
   */
  admitLogin(email: string, ip: string): Promise<LoginVerdict>;
  /** The check answered "wrong password" or "unknown email": the pair and the address now count as failing. */
  recordLoginFailure(email: string, ip: string): Promise<void>;
  /** The password was right: the reserved failures are given back, the email+IP streak starts over, the pair is known. */
  recordLoginSuccess(email: string, ip: string): Promise<void>;
  /**
   * The attempt reached no verdict (the hashing queue was full, a dependency failed): every reservation admitLogin
   * made is given back, so being refused for load never counts against the account, the pair or the address.
   */
  releaseLogin(email: string, ip: string): Promise<void>;
  admitRefresh(ip: string): Promise<ThrottleVerdict>;
  /**
   * Before a second factor is checked (a TOTP code, a recovery code): reserves one failure on the account's and the
   * address's second-factor counters, refusing when either is exhausted, so parallel guesses cannot all slip past the
   * limit (OWASP ASVS 5.0 §6.3.1; RFC 6238 §5.2 asks for throttling of code guesses). MFA_MAX_FAILURES_PER_ACCOUNT
   * wrong codes within LOGIN_FAILURE_WINDOW block the account's second step for that window.
   */
  admitSecondFactor(userId: string, ip: string): Promise<ThrottleVerdict>;
  /** The code was right: the reservations are given back. */
  recordSecondFactorSuccess(userId: string, ip: string): Promise<void>;
  /** The check reached no verdict (busy, a dependency failed): given back too, as "busy" is never a failure. */
  releaseSecondFactor(userId: string, ip: string): Promise<void>;
  /** One request of an account flow from an address (an IPv6 client by its /64): refused past ACCOUNT_FLOW_MAX_PER_IP. */
  admitAccountFlow(flow: AccountFlow, ip: string): Promise<ThrottleVerdict>;
  /**
   * One mail of a flow to an address: refused past ACCOUNT_MAIL_MAX_PER_EMAIL an hour, so nobody can make the service
   * flood a mailbox. A caller that must not reveal whether the address exists counts unknown addresses too and gives
   * the same answer either way (the mail is simply not sent).
   */
  admitAccountMail(flow: AccountFlow, email: string): Promise<ThrottleVerdict>;
  /** Whether the owner of a throttled account may be told now: once per LOGIN_FAILURE_WINDOW, however many attempts are refused. */
  admitThrottleNotice(email: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Brute-force throttling (OWASP ASVS 5.0 §6.3.1, 4.0.3 §2.2.1) with rate-limiter-flexible: consecutive failures per
 * email+IP, attempts per IP, failures per account from all IPs, refreshes per IP (an IPv6 "IP" being its /64), plus
 * the address failures and recent successes that choose the hashing lane. With Redis the counters are shared by every
 * instance; if Redis is down each instance falls back to its own memory limits — never to no limit.
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
  // Classification only, and only settled failures (a wrong password or unknown email answered), never an attempt still
  // in flight: people signing in at once from one address (an office, a NAT) must not make each other "failing".
  const failuresByIp = limiter('login-fail-ip', { points: UNLIMITED, duration: limits.failureWindowSeconds });
  const failingPairs = limiter('login-failing-email-ip', { points: UNLIMITED, duration: limits.failureWindowSeconds });
  const knownPairs = limiter('login-known-email-ip', { points: UNLIMITED, duration: KNOWN_PAIR_SECONDS });
  const accountFlowsByIp = limiter('account-flow-ip', { points: config.accountThrottle.maxPerIp, duration: config.accountThrottle.windowSeconds });
  const accountMailsByEmail = limiter('account-mail-email', { points: config.accountThrottle.maxMailsPerEmail, duration: 3600 });
  const secondFactorFailuresByAccount = limiter('mfa-fail-account', {
    points: config.mfa.maxFailuresPerAccount,
    duration: limits.failureWindowSeconds,
    blockDuration: limits.failureWindowSeconds,
  });
  // The address limit stops one source guessing across several accounts whose passwords it holds: four accounts' worth.
  const secondFactorFailuresByIp = limiter('mfa-fail-ip', { points: config.mfa.maxFailuresPerAccount * 4, duration: limits.failureWindowSeconds });
  const throttleNoticesByEmail = limiter('throttle-notice-email', { points: 1, duration: limits.failureWindowSeconds });

  /** Consumes one point; the verdict, and how many points the key had used before this one. */
  async function consume(target: RateLimiterAbstract, key: string): Promise<{ verdict: ThrottleVerdict; before: number }> {
    try {
      const result = await target.consume(key);
      return { verdict: { allowed: true }, before: result.consumedPoints - 1 };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { verdict: refusedFor(rejection), before: rejection.consumedPoints - 1 };
      throw rejection;
    }
  }

  /** Gives back one reserved second-factor failure; earlier wrong codes stay counted. */
  async function giveBackSecondFactor(userId: string, ip: string): Promise<void> {
    await Promise.all([secondFactorFailuresByAccount.reward(userId), secondFactorFailuresByIp.reward(addressKey(ip))]);
  }

  return {
    async admitLogin(email, ip) {
      const account = accountKey(email);
      const address = addressKey(ip);
      const pair = `${account}:${address}`;
      const perIp = await consume(attemptsByIp, address);
      if (!perIp.verdict.allowed) return { ...perIp.verdict, limit: 'address' };
      const streak = await consume(failuresByEmailIp, pair);
      if (!streak.verdict.allowed) return { ...streak.verdict, limit: 'account' };
      const known = (await knownPairs.get(pair)) !== null;
      const perAccount = await consume(failuresByAccount, account);
      if (!perAccount.verdict.allowed && !known) {
        // Refused by the account limit: the email+IP reservation is given back, this attempt never ran.
        await failuresByEmailIp.reward(pair);
        return { ...perAccount.verdict, limit: 'account' };
      }
      if (known) return { allowed: true, lane: 'known' };
      const [pairFailures, addressFailures] = await Promise.all([failingPairs.get(pair), failuresByIp.get(address)]);
      const failing = pairFailures !== null || (addressFailures?.consumedPoints ?? 0) >= limits.maxFailuresPerEmailIp;
      return { allowed: true, lane: failing ? 'failing' : 'fresh' };
    },
    async recordLoginFailure(email, ip) {
      const address = addressKey(ip);
      await Promise.all([failingPairs.consume(`${accountKey(email)}:${address}`), failuresByIp.consume(address)]);
    },
    async recordLoginSuccess(email, ip) {
      const account = accountKey(email);
      const address = addressKey(ip);
      await failuresByEmailIp.delete(`${account}:${address}`);
      await failingPairs.delete(`${account}:${address}`);
      await failuresByAccount.reward(account);
      await knownPairs.set(`${account}:${address}`, 1, KNOWN_PAIR_SECONDS);
    },
    async releaseLogin(email, ip) {
      const account = accountKey(email);
      const address = addressKey(ip);
      await attemptsByIp.reward(address);
      await failuresByEmailIp.reward(`${account}:${address}`);
      await failuresByAccount.reward(account);
    },
    async admitSecondFactor(userId, ip) {
      const address = addressKey(ip);
      const perAccount = await consume(secondFactorFailuresByAccount, userId);
      if (!perAccount.verdict.allowed) return perAccount.verdict;
      const perAddress = await consume(secondFactorFailuresByIp, address);
      if (!perAddress.verdict.allowed) {
        await secondFactorFailuresByAccount.reward(userId);
        return perAddress.verdict;
      }
      return { allowed: true };
    },
    recordSecondFactorSuccess: giveBackSecondFactor,
    releaseSecondFactor: giveBackSecondFactor,
    admitRefresh: async (ip) => (await consume(refreshesByIp, addressKey(ip))).verdict,
    admitAccountFlow: async (flow, ip) => (await consume(accountFlowsByIp, `${flow}:${addressKey(ip)}`)).verdict,
    admitAccountMail: async (flow, email) => (await consume(accountMailsByEmail, `${flow}:${accountKey(email.trim().toLowerCase())}`)).verdict,
    admitThrottleNotice: async (email) => (await consume(throttleNoticesByEmail, accountKey(email.trim().toLowerCase()))).verdict.allowed,
    async close() {
      redis?.disconnect();
    },
  };
}
