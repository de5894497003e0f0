/**
 * The timeline's "Download range" form: the range dragged on the scrubber, or typed as
 * times of day, and a link that downloads it as one MP4 (GET /api/export).
 */
import { exportUrl, type Camera } from '../../api.ts';
import type { TimeRange } from '../../components/scrubber.tsx';
import { clockTime, dateTime, dayMs, duration, hourMs } from '../../playback/timeFormat.ts';

const maxExportMs = 6 * hourMs;

/** "HH:MM:SS" of a wall time, for <input type=time step=1>. */
function timeInputValue(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The local time `value` (HH:MM[:SS]) on the local day of `dayOfMs`. */
function atTimeOfDay(dayOfMs: number, value: string): number | null {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const d = new Date(dayOfMs);
  d.setHours(Number(m[1]), Number(m[2]), Number(m[3] ?? 0), 0);
  return d.getTime();
}

export function DownloadRangePanel({ camera, selection, onChange, onClose }: { camera: Camera; selection: TimeRange; onChange: (r: TimeRange) => void; onClose: () => void }) {
  const length = selection.end - selection.start;
  const setStart = (value: string) => {
    const start = atTimeOfDay(selection.start, value);
    if (start !== null) onChange({ start, end: Math.max(start, selection.end) });
  };
  const setEnd = (value: string) => {
    let end = atTimeOfDay(selection.start, value);
    if (end === null) return;
    if (end < selection.start) end += dayMs; // past midnight
    onChange({ start: selection.start, end });
  };
  const problem = length < 1000 ? 'Pick a longer range.' : length > maxExportMs ? 'A download can be at most 6 hours; pick a shorter range.' : null;
  return (
    <div class="selection-panel card">
      <span class="muted">Drag on the timeline, or type the times:</span>
      <label class="inline">
        From <input type="time" step={1} name="from" value={timeInputValue(selection.start)} onChange={(e) => setStart((e.target as HTMLInputElement).value)} />
      </label>
      <label class="inline">
        to <input type="time" step={1} name="to" value={timeInputValue(selection.end)} onChange={(e) => setEnd((e.target as HTMLInputElement).value)} />
      </label>
      <span>
        {dateTime(selection.start).replace(/ \d.*$/, '')} · {duration(length)}
      </span>
      {problem === null ? (
        <a class="button-link primary" href={exportUrl(camera.id, selection.start, selection.end)} download={`${camera.id}-${clockTime(selection.start).replace(/\D/g, '')}.mp4`}>
          Download MP4
        </a>
      ) : (
        <span class="error">{problem}</span>
      )}
      <button type="button" class="link" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}
