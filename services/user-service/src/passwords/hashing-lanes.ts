/**
 * Which queue a password check waits in, decided from the throttling counters before any account is looked up, so
 * the lane says nothing about whether the email exists (OWASP ASVS 5.0 §6.3.8):
 * - `known`: this email signed in successfully from this address (or its IPv6 /64) recently — the device-cookie idea
 *   of OWASP's "Slow Down Online Guessing Attacks with Device Cookies", keyed by address because the API has no cookie;
 * - `fresh`: neither the email+address pair nor the address is failing;
 * - `failing`: the pair has failed since its last success, or the address has failed repeatedly in the window.
 */
export type HashingLane = 'known' | 'fresh' | 'failing';

/** Highest priority first: a freed hashing slot always goes to the first lane with someone waiting. */
export const HASHING_LANES: readonly HashingLane[] = Object.freeze(['known', 'fresh', 'failing']);
