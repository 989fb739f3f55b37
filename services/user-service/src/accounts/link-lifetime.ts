/** A link's lifetime as its mail words it, in whole minutes or hours, never rounded down to nothing. */
export function wholeMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

export function wholeHours(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 3600));
}
