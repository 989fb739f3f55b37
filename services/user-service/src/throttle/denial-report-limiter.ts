import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ThrottleVerdict } from './throttles.js';

export interface DenialReportLimiter {
  /** Counts one report of a refusal the app saw for this session; refused once the session has used up its minute. */
  admit(sid: string): Promise<ThrottleVerdict>;
  close(): Promise<void>;
}

/**
 * Reports of refused access per session and minute: each one is an audit row and feeds the denial alert, so one
 * signed-in session must not be able to write the trail full or trip the alert at will (OWASP ASVS 5.0 §2.4.1,
 * §16.3). Shared through Redis when there is one, with this instance's memory as the fallback — never no limit.
 */
export function createDenialReportLimiter(options: { perMinute: number; redisUrl: string | undefined }): DenialReportLimiter {
  const limits = { points: options.perMinute, duration: 60, keyPrefix: 'portcullis:denial-reports' };
  const memory = new RateLimiterMemory(limits);
  let redis: Redis | undefined;
  let limiter: RateLimiterAbstract = memory;
  if (options.redisUrl !== undefined) {
    redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // The login throttles already report Redis outages; while it is away the memory limiter answers.
    redis.on('error', () => undefined);
    limiter = new RateLimiterRedis({ ...limits, storeClient: redis, insuranceLimiter: memory });
  }
  return {
    async admit(sid) {
      try {
        await limiter.consume(sid);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        throw rejection;
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}
