import type { ReactElement } from 'react';
import type { ChartData, ChartSeries } from '../../../lib/security/dashboard-types';
import { bucketUnit, formatBucket } from '../../../lib/security/format';

// Drawing area in SVG units; the SVG scales to its container.
const WIDTH = 640;
const HEIGHT = 180;
const LEFT = 36;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 24;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

/** Each series differs by shape and dash as well as colour, so the chart reads without colour vision. */
const SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;
const DASHES = [undefined, '6 3', '2 3', '8 3 2 3'] as const;

function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate * 4 >= value) ?? magnitude * 10;
  return step * 4;
}

function Marker({ shape, x, y }: { shape: (typeof SHAPES)[number]; x: number; y: number }): ReactElement {
  switch (shape) {
    case 'circle':
      return <circle cx={x} cy={y} r={3.5} />;
    case 'square':
      return <rect x={x - 3.5} y={y - 3.5} width={7} height={7} />;
    case 'triangle':
      return <polygon points={`${x},${y - 4.5} ${x + 4.5},${y + 3.5} ${x - 4.5},${y + 3.5}`} />;
    case 'diamond':
      return <polygon points={`${x},${y - 5} ${x + 5},${y} ${x},${y + 5} ${x - 5},${y}`} />;
  }
}

function shapeOf(index: number): (typeof SHAPES)[number] {
  return SHAPES[index % SHAPES.length] ?? 'circle';
}

function total(series: ChartSeries): number {
  return series.counts.reduce((sum, count) => sum + count, 0);
}

/** A sentence an assistive technology reads instead of the picture. */
function summary(chart: ChartData, bucketSeconds: number): string {
  return chart.series
    .map((series) => {
      const sum = total(series);
      if (sum === 0) return `${series.label}: none`;
      const peak = Math.max(...series.counts);
      const at = chart.buckets[series.counts.indexOf(peak)] ?? 0;
      return `${series.label}: ${sum} in total, at most ${peak} per ${bucketUnit(bucketSeconds)} (${formatBucket(at, bucketSeconds)} UTC)`;
    })
    .join('. ');
}

/**
 * A time-bucketed line chart drawn on the server as SVG (no chart library, no script): one line per series,
 * a marker with a tooltip on every bucket that had events, and beside it the legend with totals and a table
 * of the same numbers, so nothing depends on seeing the picture.
 */
export function TimeChart({ chart, bucketSeconds }: { chart: ChartData; bucketSeconds: number }): ReactElement {
  const count = chart.buckets.length;
  const max = niceMax(Math.max(0, ...chart.series.flatMap((series) => series.counts)));
  const x = (index: number): number => LEFT + (count <= 1 ? PLOT_W / 2 : (index / (count - 1)) * PLOT_W);
  const y = (value: number): number => TOP + PLOT_H - (value / max) * PLOT_H;
  const ticks = count <= 1 ? [0] : [0, Math.floor((count - 1) / 2), count - 1];
  const unit = bucketUnit(bucketSeconds);
  const titleId = `chart-${chart.id}-title`;
  const descId = `chart-${chart.id}-desc`;
  const captionId = `chart-${chart.id}-caption`;
  const busy = chart.buckets.map((_, index) => chart.series.some((series) => (series.counts[index] ?? 0) > 0));

  return (
    <figure className="chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>
        {chart.title} <span className="muted">per {unit}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${titleId} ${descId}`} className="chart-svg">
        <title id={titleId}>{`${chart.title} per ${unit} (UTC)`}</title>
        <desc id={descId}>{summary(chart, bucketSeconds)}</desc>
        <g className="chart-axis">
          <line x1={LEFT} y1={TOP + PLOT_H} x2={LEFT + PLOT_W} y2={TOP + PLOT_H} />
          <line x1={LEFT} y1={TOP} x2={LEFT} y2={TOP + PLOT_H} />
          <line x1={LEFT} y1={y(max / 2)} x2={LEFT + PLOT_W} y2={y(max / 2)} className="chart-grid" />
          <text x={LEFT - 6} y={y(max) + 4} textAnchor="end">
            {max}
          </text>
          <text x={LEFT - 6} y={y(max / 2) + 4} textAnchor="end">
            {max / 2}
          </text>
          <text x={LEFT - 6} y={y(0) + 4} textAnchor="end">
            0
          </text>
          {ticks.map((index) => (
            <text key={index} x={x(index)} y={HEIGHT - 6} textAnchor={index === 0 ? 'start' : index === count - 1 ? 'end' : 'middle'}>
              {formatBucket(chart.buckets[index] ?? 0, bucketSeconds)}
            </text>
          ))}
        </g>
        {chart.series.map((series, seriesIndex) => (
          <g key={series.type} className={`series series-${seriesIndex}`} data-series={series.type}>
            <polyline
              points={series.counts.map((value, index) => `${x(index)},${y(value)}`).join(' ')}
              fill="none"
              strokeWidth={1.5}
              strokeDasharray={DASHES[seriesIndex % DASHES.length]}
            />
            {series.counts.map((value, index) =>
              value > 0 ? (
                <g key={index} className="chart-point" data-bucket={chart.buckets[index]} data-count={value}>
                  <title>{`${formatBucket(chart.buckets[index] ?? 0, bucketSeconds)} UTC — ${series.label}: ${value}`}</title>
                  <Marker shape={shapeOf(seriesIndex)} x={x(index)} y={y(value)} />
                </g>
              ) : null,
            )}
          </g>
        ))}
      </svg>
      <ul className="legend">
        {chart.series.map((series, seriesIndex) => (
          <li key={series.type}>
            <svg viewBox="0 0 24 12" width={24} height={12} aria-hidden="true" className={`series series-${seriesIndex}`}>
              <line x1={0} y1={6} x2={24} y2={6} strokeWidth={1.5} strokeDasharray={DASHES[seriesIndex % DASHES.length]} />
              <Marker shape={shapeOf(seriesIndex)} x={12} y={6} />
            </svg>
            {series.label}: <strong>{total(series)}</strong>
          </li>
        ))}
      </ul>
      <table className="compact">
        <caption>{`${chart.title} per ${unit} (UTC), buckets with events`}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {chart.series.map((series) => (
              <th key={series.type} scope="col">
                {series.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {busy.some(Boolean) ? (
            chart.buckets.map((at, index) =>
              busy[index] ? (
                <tr key={at}>
                  <th scope="row">{formatBucket(at, bucketSeconds)}</th>
                  {chart.series.map((series) => (
                    <td key={series.type}>{series.counts[index] ?? 0}</td>
                  ))}
                </tr>
              ) : null,
            )
          ) : (
            <tr>
              <td colSpan={chart.series.length + 1}>No events in this window.</td>
            </tr>
          )}
        </tbody>
      </table>
    </figure>
  );
}
