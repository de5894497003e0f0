/**
 * Prometheus text exposition format 0.0.4, written by hand (no client library: a
 * handful of gauges does not need one). Every family gets `# HELP` and `# TYPE` once,
 * label values are escaped as the format demands, and numbers are formatted the way
 * Prometheus parses them (`+Inf`, `-Inf`, `NaN`).
 */

export type MetricType = 'gauge' | 'counter';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`. */
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export const contentType = 'text/plain; version=0.0.4; charset=utf-8';

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class MetricFormatError extends Error {
  override name = 'MetricFormatError';
}

export function formatExposition(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const family of families) {
    if (!metricNamePattern.test(family.name)) throw new MetricFormatError(`invalid metric name "${family.name}"`);
    if (seen.has(family.name)) throw new MetricFormatError(`metric family "${family.name}" appears twice; merge its samples`);
    seen.add(family.name);
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n`;
    out += `# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) out += `${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`;
  }
  return out;
}

function formatLabels(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return '';
  return `{${pairs
    .map(([name, value]) => {
      if (!labelNamePattern.test(name) || name.startsWith('__')) throw new MetricFormatError(`invalid label name "${name}"`);
      return `${name}="${escapeLabelValue(value)}"`;
    })
    .join(',')}}`;
}

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: only backslash and line feed are escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
