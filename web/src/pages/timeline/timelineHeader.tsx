/** The timeline's head row: which camera (a picker that keeps the playhead time), its state, and the playhead's date and time. */
import type { Camera } from '../../api.ts';
import { navigate } from '../../router.ts';
import { StateBadge } from '../../components/cameraState.tsx';
import { dateTime } from '../../playback/timeFormat.ts';

export function CameraPicker({ cameras, value, onPick }: { cameras: Camera[]; value: string; onPick: (id: string) => void }) {
  return (
    <select class="camera-picker" aria-label="Camera" value={value} onChange={(e) => onPick((e.target as HTMLSelectElement).value)}>
      {value === '' && <option value="">Choose a camera…</option>}
      {cameras.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name}
        </option>
      ))}
    </select>
  );
}

export function TimelineHeader({ camera, cameras, playheadMs }: { camera: Camera; cameras: Camera[]; playheadMs?: number | null }) {
  return (
    <div class="toolbar timeline-head">
      <CameraPicker cameras={cameras} value={camera.id} onPick={(id) => navigate(['timeline', id], playheadMs ? { t: Math.round(playheadMs) } : undefined)} />
      <StateBadge camera={camera} />
      <span class="spacer" />
      {playheadMs != null && <span class="playhead-time">{dateTime(playheadMs)}</span>}
    </div>
  );
}
