import type { BenchReport, Measurement, ScenarioResult } from './report-model.js';

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
  const height = 50 + pairs.length * rowHeight + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Throughput vs ceiling, measured in the same run (${escapeXml(report.startedAt.slice(0, 10))}, ${report.mode})</text>`,
    `<rect x="${labelWidth}" y="30" width="12" height="10" fill="#2b6cb0"/><text x="${labelWidth + 16}" y="39">Portcullis endpoint</text>`,
    `<rect x="${labelWidth + 150}" y="30" width="12" height="10" fill="#a0aec0"/><text x="${labelWidth + 166}" y="39">ceiling (scenario 4: the page without a session)</text>`,
  ];
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
  parts.push(`<text x="10" y="${height - 10}" fill="#4a5568">Green: target met, red: missed, blue: no target. Each pair is drawn on its own scale.</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
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
