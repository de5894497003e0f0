/**
 * The shape every bench section hands to bench/run.ts, so all sections share one
 * printed table and one bench/results.json. A row is one figure beside its floor
 * (what the hardware/ffmpeg sets) and its target; `met` is decided by the section.
 */

export interface BenchRow {
  /** Section name, e.g. 'recording', 'memory', 'storage', 'index', 'playback', 'storm'. */
  section: string;
  /** What was measured, with its condition: 'cpu s per camera-minute (N=8)'. */
  metric: string;
  value: number;
  /** Unit of `value` (and of `floor`): 'ms', 'MB', 's/cam-min', 'x', 'count'. */
  unit: string;
  /** The same figure for the floor (bare ffmpeg, hardware), in `unit`. */
  floor?: number;
  /** value / floor when both exist. */
  ratio?: number;
  /** Human-readable target: '≤ 1.15x', '< 200 MB', '< 5 ms median', '= 0'. */
  target?: string;
  /** Whether the target was met; absent when the row has no target. */
  met?: boolean;
  /** Why a target was missed, or the conditions of the figure. */
  note?: string;
}

export interface BenchSection {
  section: string;
  rows: BenchRow[];
  /** Anything else worth keeping in bench/results.json (raw samples, settings). */
  details?: unknown;
  /** Wall time the section took, filled in by the runner if missing. */
  wallSeconds?: number;
}

export interface BenchOptions {
  /** `npm run bench -- --quick`: shorter windows, fewer cameras; for development. */
  quick: boolean;
  /** Progress lines go here (stderr), never into the table. */
  log: (line: string) => void;
}

/** What bench/index.ts, bench/playback.ts and bench/storm.ts export for the runner. */
export type BenchRunner = (options: BenchOptions) => Promise<BenchSection>;

export function ratioOf(value: number, floor: number): number | undefined {
  return floor > 0 ? round(value / floor, 3) : undefined;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The table printed at the end of `npm run bench`: one line per row, grouped by section. */
export function formatTable(rows: BenchRow[]): string {
  const header = ['section', 'metric', 'value', 'floor', 'ratio', 'target', 'met', 'note'];
  const num = (n: number | undefined): string => (n === undefined ? '-' : formatNumber(n));
  const lines = rows.map((r) => [
    r.section,
    r.metric,
    `${num(r.value)} ${r.unit}`,
    r.floor === undefined ? '-' : `${num(r.floor)} ${r.unit}`,
    r.ratio === undefined ? '-' : `${formatNumber(r.ratio)}x`,
    r.target ?? '-',
    r.met === undefined ? '-' : r.met ? 'met' : 'MISSED',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}

/** The same rows as a Markdown table, for the README's Performance section. */
export function formatMarkdown(rows: BenchRow[]): string {
  const num = (n: number | undefined): string => (n === undefined ? '' : formatNumber(n));
  const out = ['| section | metric | value | floor | ratio | target | met | note |', '|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    out.push(
      `| ${r.section} | ${r.metric} | ${num(r.value)} ${r.unit} | ${r.floor === undefined ? '' : `${num(r.floor)} ${r.unit}`} | ` +
        `${r.ratio === undefined ? '' : `${formatNumber(r.ratio)}x`} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'met' : '**missed**'} | ${(r.note ?? '').replaceAll('|', '/')} |`,
    );
  }
  return out.join('\n');
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && abs < 0.01) return n.toPrecision(2);
  if (abs >= 1000) return String(Math.round(n));
  return String(round(n, abs < 10 ? 3 : 1));
}
