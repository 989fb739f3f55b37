import type { Measurement, Reporter } from './report-model.js';

const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** One table line per measurement, as soon as it is known. */
function measurementLine(scenario: string, row: Measurement): string {
  const ceiling = row.ceiling === undefined ? '' : `  ceiling ${fmt(row.ceiling.load.rps)} req/s → ${fmt((row.ratio ?? 0) * 100)} %`;
  const target = row.target === undefined ? '' : `  [${row.target.met ? 'met' : 'MISSED'}: ${row.target.text}]`;
  const failures = row.load.non2xx + row.load.errors;
  return `  ${scenario.padEnd(3)} ${row.backend.padEnd(9)} ${row.label.padEnd(34)} ${fmt(row.load.rps).padStart(7)} req/s  p50 ${fmt(row.load.p50, 1).padStart(6)} ms  p99 ${fmt(row.load.p99, 1).padStart(6)} ms${failures > 0 ? `  non-2xx/errors ${failures}` : ''}${ceiling}${target}`;
}

/** Prints progress on one rewritten line when attached to a terminal, otherwise one line per step. */
export function consoleReporter(stream: NodeJS.WriteStream = process.stdout): Reporter {
  const tty = stream.isTTY === true;
  let lastProgress = '';
  const clear = (): void => {
    if (tty && lastProgress !== '') stream.write('\r\x1b[2K');
    lastProgress = '';
  };
  return {
    step(text) {
      clear();
      stream.write(`▶ ${text}\n`);
    },
    progress(text, fraction) {
      const bar = `${'█'.repeat(Math.round(fraction * 20)).padEnd(20, '·')}`;
      const line = `  ${bar} ${String(Math.round(fraction * 100)).padStart(3)} %  ${text}`;
      if (tty) {
        stream.write(`\r\x1b[2K${line}`);
        lastProgress = line;
      } else if (fraction === 0 || fraction >= 1) {
        stream.write(`${line}\n`);
      }
    },
    measured(scenario, row) {
      clear();
      stream.write(`${measurementLine(scenario, row)}\n`);
    },
    fact(scenario, label, value) {
      clear();
      stream.write(`  ${scenario.padEnd(3)} ${label}: ${typeof value === 'number' ? fmt(value, Number.isInteger(value) ? 0 : 2) : value}\n`);
    },
  };
}
