/**
 * A strict parser for the Prometheus text exposition format 0.0.4, written from the
 * spec (prometheus.io/docs/instrumenting/exposition_formats): throws on anything a
 * Prometheus server would reject or that the format forbids — a sample before its
 * TYPE, a family split in two, a duplicate series, a bad escape, an unparsable value.
 */
export interface ParsedFamily {
  name: string;
  help: string | null;
  type: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const sampleLine = new RegExp(`^(${name})(\\{(.*)\\})? ([^ ]+)( -?\\d+)?$`);
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const series = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, keyword, metric = '', rest = ''] = m;
      if (!new RegExp(`^${name}$`).test(metric)) throw new Error(`bad metric name, ${where}`);
      const family = families.get(metric) ?? { name: metric, help: null, type: 'untyped', samples: [] };
      if (family.samples.length > 0) throw new Error(`${keyword} after samples, ${where}`);
      if (keyword === 'HELP') {
        if (family.help !== null) throw new Error(`second HELP, ${where}`);
        if (/\\[^\\n]|\\$/.test(rest.replace(/\\\\/g, ''))) throw new Error(`bad escape in HELP, ${where}`);
        family.help = rest.replace(/\\(\\|n)/g, (_all, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        if (!types.has(rest)) throw new Error(`unknown TYPE, ${where}`);
        if (families.has(metric) && family.type !== 'untyped') throw new Error(`second TYPE, ${where}`);
        family.type = rest;
      }
      if (current !== metric && families.has(metric) && families.get(metric)!.samples.length > 0) throw new Error(`family split, ${where}`);
      families.set(metric, family);
      current = metric;
      return;
    }
    const m = sampleLine.exec(line);
    if (!m) throw new Error(`not a sample, ${where}`);
    const [, metric = '', , labelText, valueText = ''] = m;
    const family = families.get(metric);
    if (!family) throw new Error(`sample without HELP/TYPE, ${where}`);
    if (current !== metric) throw new Error(`samples of ${metric} are not contiguous, ${where}`);
    const labels = labelText === undefined ? {} : parseLabels(labelText, where);
    const value = parseValue(valueText, where);
    const key = `${metric}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`duplicate series, ${where}`);
    series.add(key);
    family.samples.push({ name: metric, labels, value });
  });
  return families;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!m) throw new Error(`bad label name, ${where}`);
    const labelName = m[1] ?? '';
    if (labelName in labels) throw new Error(`duplicate label ${labelName}, ${where}`);
    i += m[0].length;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`unterminated label value, ${where}`);
      if (c === '\n') throw new Error(`raw line feed in label value, ${where}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`bad escape \\${e ?? ''} in label value, ${where}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[labelName] = value;
    i++; // closing quote
    if (i < text.length) {
      if (text[i] !== ',') throw new Error(`expected "," between labels, ${where}`);
      i++;
    }
  }
  return labels;
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value "${text}", ${where}`);
  return Number(text);
}
