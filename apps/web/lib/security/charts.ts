import type { ChartData } from './dashboard-types';
import { CHARTS } from './event-kinds';
import { WINDOWS, type WindowKey } from './security-query';

/** Start of the first bucket so that the window holds whole buckets and the last one contains `now`. */
export function firstBucket(now: number, window: WindowKey): number {
  const { seconds, bucketSeconds } = WINDOWS[window];
  const width = bucketSeconds * 1000;
  return Math.floor(now / width) * width - (seconds / bucketSeconds - 1) * width;
}

/** Zero-filled series per chart from the user-service's sparse (bucket, type, count) rows. */
export function buildCharts(rows: ReadonlyArray<{ at: number; type: string; count: number }>, since: number, now: number, bucketSeconds: number): ChartData[] {
  const width = bucketSeconds * 1000;
  const buckets: number[] = [];
  for (let at = since; at <= now; at += width) buckets.push(at);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(`${row.type}@${row.at}`, (counts.get(`${row.type}@${row.at}`) ?? 0) + row.count);
  return CHARTS.map((chart) => ({
    id: chart.id,
    title: chart.title,
    buckets,
    series: chart.series.map((series) => ({ ...series, counts: buckets.map((at) => counts.get(`${series.type}@${at}`) ?? 0) })),
  }));
}
