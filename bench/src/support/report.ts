import type { BenchReport, Comparison, Measurement, ScenarioResult } from './report-model.js';

const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A horizontal bar chart of every endpoint beside its ceiling (req/s, each pair on its own scale, so a ratio reads
 * at a glance whatever the absolute rates), hand-written SVG so the report needs no plotting library.
 */
export function throughputChart(report: BenchReport): string {
  const pairs = report.scenarios.flatMap((scenario) => scenario.measurements.filter((row) => row.ceiling !== undefined).map((row) => ({ scenario: scenario.id, row })));
  const width = 900;
  const labelWidth = 300;
  const barWidth = width - labelWidth - 190;
  const rowHeight = 46;
  const comparisons = report.scenarios.flatMap((scenario) => (scenario.comparison === undefined ? [] : [{ scenario: scenario.id, comparison: scenario.comparison }]));
  const panelsTop = pairs.length === 0 ? 0 : 50 + pairs.length * rowHeight;
  const panels = comparisons.reduce<{ parts: string[]; top: number }>(
    (drawn, { scenario, comparison }) => {
      // Wider labels than the throughput pairs: a count's label says what was counted.
      const panel = comparisonPanel(scenario, comparison, drawn.top, { labelWidth: labelWidth + 100, barWidth: barWidth - 100 });
      return { parts: [...drawn.parts, ...panel.parts], top: drawn.top + panel.height };
    },
    { parts: [], top: panelsTop },
  );
  const height = panels.top + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (pairs.length > 0) {
    parts.push(
      `<text x="10" y="22" font-size="15" font-weight="bold">Throughput vs ceiling, measured in the same run (${escapeXml(report.startedAt.slice(0, 10))}, ${report.mode})</text>`,
      `<rect x="${labelWidth}" y="30" width="12" height="10" fill="#2b6cb0"/><text x="${labelWidth + 16}" y="39">Portcullis endpoint</text>`,
      `<rect x="${labelWidth + 150}" y="30" width="12" height="10" fill="#a0aec0"/><text x="${labelWidth + 166}" y="39">ceiling (scenario 4: the page without a session)</text>`,
    );
  }
  pairs.forEach(({ scenario, row }, index) => {
    const y = 50 + index * rowHeight;
    const ceiling = row.ceiling?.load.rps ?? 0;
    const scale = Math.max(ceiling, row.load.rps, 1);
    const ours = (row.load.rps / scale) * barWidth;
    const theirs = (ceiling / scale) * barWidth;
    const colour = row.target === undefined ? '#2b6cb0' : row.target.met ? '#2f855a' : '#c53030';
    parts.push(
      `<text x="10" y="${y + 14}">${escapeXml(`${scenario} · ${row.backend} · ${row.label}`)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${ours.toFixed(1)}" height="14" fill="${colour}"/>`,
      `<text x="${labelWidth + ours + 4}" y="${y + 15}">${fmt(row.load.rps)} req/s (${fmt((row.ratio ?? 0) * 100)} %${row.target === undefined ? '' : row.target.met ? ', target met' : ', target missed'})</text>`,
      `<rect x="${labelWidth}" y="${y + 21}" width="${theirs.toFixed(1)}" height="14" fill="#a0aec0"/>`,
      `<text x="${labelWidth + theirs + 4}" y="${y + 32}">${fmt(ceiling)} req/s</text>`,
    );
  });
  parts.push(...panels.parts);
  const legend =
    pairs.length > 0
      ? 'Green: target met, red: missed, blue: no target. Each pair (each group of bars) is drawn on its own scale.'
      : 'Each group of bars is drawn on its own scale.';
  parts.push(`<text x="10" y="${height - 10}" fill="#4a5568">${legend}</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

const COMPARISON_COLOURS = ['#2b6cb0', '#dd6b20', '#718096'];

/** Apps side by side (scenario 1): a bar per app for every charted count, each group on its own scale. */
function comparisonPanel(scenario: string, comparison: Comparison, top: number, layout: { labelWidth: number; barWidth: number }): { parts: string[]; height: number } {
  const rows = comparison.rows.filter((row) => row.charted === true);
  const barHeight = 14;
  const groupHeight = comparison.columns.length * (barHeight + 3) + 14;
  const parts = [
    `<text x="10" y="${top + 26}" font-size="15" font-weight="bold">Scenario ${escapeXml(scenario)}, same run: ${escapeXml(comparison.columns.join(' vs '))} (counts; fewer is better)</text>`,
    ...comparison.columns.map(
      (column, index) =>
        `<rect x="${layout.labelWidth + index * 200}" y="${top + 36}" width="12" height="10" fill="${COMPARISON_COLOURS[index % COMPARISON_COLOURS.length]}"/><text x="${layout.labelWidth + index * 200 + 16}" y="${top + 45}">${escapeXml(column)}</text>`,
    ),
  ];
  rows.forEach((row, rowIndex) => {
    const y = top + 56 + rowIndex * groupHeight;
    const values = row.values.map((value) => (typeof value === 'number' ? value : Number.NaN));
    const scale = Math.max(1, ...values.filter((value) => Number.isFinite(value)));
    parts.push(`<text x="10" y="${y + 14}">${escapeXml(row.label)}</text>`);
    values.forEach((value, index) => {
      const barY = y + 4 + index * (barHeight + 3);
      const width = Number.isFinite(value) ? (value / scale) * layout.barWidth : 0;
      parts.push(
        `<rect x="${layout.labelWidth}" y="${barY}" width="${Math.max(width, 1).toFixed(1)}" height="${barHeight}" fill="${COMPARISON_COLOURS[index % COMPARISON_COLOURS.length]}"/>`,
        `<text x="${layout.labelWidth + Math.max(width, 1) + 4}" y="${barY + 11}">${Number.isFinite(value) ? fmt(value) : escapeXml(String(row.values[index]))}</text>`,
      );
    });
  });
  return { parts, height: 56 + rows.length * groupHeight };
}

function comparisonTable(comparison: Comparison): string[] {
  const lines = [`| what | ${comparison.columns.join(' | ')} |`, `|---|${comparison.columns.map(() => '---').join('|')}|`];
  for (const row of comparison.rows) lines.push(`| ${row.label} | ${row.values.map((value) => (typeof value === 'number' ? fmt(value) : value)).join(' | ')} |`);
  return lines;
}

function measurementTable(rows: readonly Measurement[]): string[] {
  const lines = ['| back-end | what | req/s | p50 ms | p99 ms | non-2xx / errors | ceiling req/s | ratio | target |', '|---|---|---:|---:|---:|---:|---:|---:|---|'];
  for (const row of rows) {
    lines.push(
      `| ${row.backend} | ${row.label} | ${fmt(row.load.rps)} | ${fmt(row.load.p50, 1)} | ${fmt(row.load.p99, 1)} | ${row.load.non2xx} / ${row.load.errors} | ${row.ceiling === undefined ? '' : `${fmt(row.ceiling.load.rps)} (${row.ceiling.label})`} | ${row.ratio === undefined ? '' : row.ceiling === undefined ? `${fmt(row.ratio, 2)} ×` : `${fmt(row.ratio * 100)} %`} | ${row.target === undefined ? '' : `${row.target.met ? '✅' : '❌'} ${row.target.text}`} |`,
    );
  }
  return lines;
}

function scenarioSection(scenario: ScenarioResult): string[] {
  const lines = [`## Scenario ${scenario.id}: ${scenario.title}`, '', '**Parameters**', ''];
  for (const [key, value] of Object.entries(scenario.parameters)) lines.push(`- ${key}: ${value}`);
  lines.push('');
  if (scenario.measurements.length > 0) lines.push(...measurementTable(scenario.measurements), '');
  if (scenario.comparison !== undefined) lines.push(...comparisonTable(scenario.comparison), '');
  if (scenario.facts.length > 0) {
    lines.push('| back-end | fact | value |', '|---|---|---|');
    for (const fact of scenario.facts) lines.push(`| ${fact.backend ?? ''} | ${fact.label} | ${fact.value} |`);
    lines.push('');
  }
  for (const note of scenario.notes) lines.push(`> ${note}`, '');
  return lines;
}

/** The Markdown report that docs/benchmarks.md links; `chartFile` is the SVG's name beside it. */
export function markdownReport(report: BenchReport, chartFile: string): string {
  const { machine } = report;
  const lines = [
    `# Portcullis benchmark — ${report.startedAt}`,
    '',
    `Command: \`${report.command}\` (${report.mode} run) · ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform} · back-ends: ${report.backends.join(', ')} · finished ${report.finishedAt}`,
    '',
    'Absolute numbers on a shared 2-core machine are noise; compare each line with its ceiling, measured in the same run.',
    '',
    `![Throughput vs ceilings](${chartFile})`,
    '',
  ];
  for (const scenario of report.scenarios) lines.push(...scenarioSection(scenario));
  return `${lines.join('\n')}\n`;
}
