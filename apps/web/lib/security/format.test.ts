import { describe, expect, it } from 'vitest';
import { formatBucket, formatDuration, formatTime } from './format';

describe('formatting', () => {
  const at = Date.UTC(2026, 4, 1, 14, 3, 7);

  it('shows times in UTC, the same on the server and in the browser', () => {
    expect(formatTime(at)).toBe('2026-05-01 14:03:07');
    expect(formatBucket(at, 60)).toBe('14:03');
    expect(formatBucket(at, 3_600)).toBe('05-01 14:03');
    expect(formatBucket(at, 86_400)).toBe('2026-05-01');
  });

  it('writes alert windows in the largest whole unit', () => {
    expect(formatDuration(300)).toBe('5 min');
    expect(formatDuration(7_200)).toBe('2 h');
    expect(formatDuration(45)).toBe('45 s');
  });
});
