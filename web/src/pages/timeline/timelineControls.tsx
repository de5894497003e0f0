/** The timeline's control row: previous/next event, play/pause, speed, hour/day/week/month zoom, "Download range…" and a link to live. */
import { href } from '../../router.ts';
import { dayMs, hourMs } from '../../playback/timeFormat.ts';
import { maxSpanMs as monthMs } from '../../components/scrubber.tsx';

const weekMs = 7 * dayMs;

interface TimelineControlsProps {
  cameraId: string;
  playing: boolean;
  speed: number;
  spanMs: number;
  selecting: boolean;
  mayExport: boolean;
  onJumpToEvent: (direction: -1 | 1) => void;
  onTogglePlay: () => void;
  onSpeed: (speed: number) => void;
  onZoom: (spanMs: number) => void;
  onSelectRange: () => void;
}

export function TimelineControls({ cameraId, playing, speed, spanMs, selecting, mayExport, onJumpToEvent, onTogglePlay, onSpeed, onZoom, onSelectRange }: TimelineControlsProps) {
  return (
    <div class="toolbar timeline-controls">
      <button type="button" class="icon" onClick={() => onJumpToEvent(-1)} title="Previous event (j)" aria-label="Previous event">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M6 5h2v14H6zM20 5v14L9 12z" fill="currentColor" /></svg>
      </button>
      <button type="button" class="icon play" onClick={onTogglePlay} title="Play/pause (space)" aria-label={playing ? 'Pause' : 'Play'}>
        {playing ? (
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M6 5h4v14H6zM14 5h4v14h-4z" fill="currentColor" /></svg>
        ) : (
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M7 5v14l12-7z" fill="currentColor" /></svg>
        )}
      </button>
      <button type="button" class="icon" onClick={() => onJumpToEvent(1)} title="Next event (k)" aria-label="Next event">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M16 5h2v14h-2zM4 5v14l11-7z" fill="currentColor" /></svg>
      </button>
      <span class="speeds" role="group" aria-label="Speed">
        {[1, 2, 4].map((s) => (
          <button type="button" key={s} aria-pressed={speed === s} onClick={() => onSpeed(s)} title={`${s}x speed (${s})`}>
            {s}x
          </button>
        ))}
      </span>
      <span class="spacer" />
      <span class="zoom" role="group" aria-label="Zoom">
        <button type="button" aria-pressed={spanMs <= hourMs} onClick={() => onZoom(hourMs)}>
          Hour
        </button>
        <button type="button" aria-pressed={spanMs >= dayMs && spanMs < weekMs} onClick={() => onZoom(dayMs)}>
          Day
        </button>
        <button type="button" aria-pressed={spanMs >= weekMs && spanMs < monthMs} onClick={() => onZoom(weekMs)}>
          Week
        </button>
        <button type="button" aria-pressed={spanMs >= monthMs} onClick={() => onZoom(monthMs)}>
          Month
        </button>
      </span>
      <button
        type="button"
        aria-pressed={selecting}
        onClick={onSelectRange}
        disabled={!mayExport}
        title={mayExport ? 'Select a stretch of time and download it as one MP4' : 'Downloading needs the “export” permission; ask an admin.'}
      >
        Download range…
      </button>
      <a class="button-link" href={href(['camera', cameraId])}>
        Live
      </a>
    </div>
  );
}
