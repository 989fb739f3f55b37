// Times are shown in UTC, formatted by hand: the same text on the server and in the browser (no hydration
// mismatch), and the same zone as the logs an operator compares them with.

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-05-01 14:03:07` */
export function formatTime(ms: number): string {
  return `${iso(ms).slice(0, 10)} ${iso(ms).slice(11, 19)}`;
}

/** A bucket's start at the resolution of its width: `14:03`, `05-01 14:00` or `2026-05-01`. */
export function formatBucket(ms: number, bucketSeconds: number): string {
  if (bucketSeconds >= 86_400) return iso(ms).slice(0, 10);
  if (bucketSeconds >= 3_600) return `${iso(ms).slice(5, 10)} ${iso(ms).slice(11, 16)}`;
  return iso(ms).slice(11, 16);
}

export function bucketUnit(bucketSeconds: number): string {
  if (bucketSeconds >= 86_400) return 'day';
  if (bucketSeconds >= 3_600) return 'hour';
  return 'minute';
}

export function formatDuration(seconds: number): string {
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
