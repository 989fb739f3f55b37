/**
 * A Node preload for fault tests only: shifts this process's wall clock (`Date.now()`, `new Date()`, `Date()`) by
 * `PORTCULLIS_TEST_CLOCK_OFFSET_MS`, as a server whose NTP drifted would see it. Loaded into the web app with
 * `NODE_OPTIONS='--import <dist/support/clock-skew.js>'` (see `startWebApp`), so the app and its Next.js children run
 * skewed while the user-service and the test keep the real time. Monotonic clocks (`performance.now()`, timers) are
 * left alone: a skewed server still measures durations right.
 */
const offsetMs = Number(process.env.PORTCULLIS_TEST_CLOCK_OFFSET_MS ?? '0');
if (!Number.isFinite(offsetMs)) throw new Error(`PORTCULLIS_TEST_CLOCK_OFFSET_MS is not a number: ${process.env.PORTCULLIS_TEST_CLOCK_OFFSET_MS}`);

const RealDate = Date;
const shiftedNow = (): number => RealDate.now() + offsetMs;

// A Proxy rather than a subclass: `instanceof Date`, `Date.prototype` and every static but `now` stay the real ones.
globalThis.Date = new Proxy(RealDate, {
  construct(target, args: unknown[], newTarget: NewableFunction) {
    return Reflect.construct(target, args.length === 0 ? [shiftedNow()] : args, newTarget) as object;
  },
  apply() {
    return new RealDate(shiftedNow()).toString();
  },
  get(target, property, receiver: unknown) {
    if (property === 'now') return shiftedNow;
    return Reflect.get(target, property, receiver) as unknown;
  },
});

export {};
