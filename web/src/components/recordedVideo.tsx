/**
 * A <video> driven by the recorded player (MediaSource or ManagedMediaSource segment after
 * segment, else the browser's own HLS), with the player's state in words over the picture:
 * loading, nothing recorded, a codec this browser cannot decode, no way to play at all.
 * The page gets the player through onPlayer to seek, pause and change speed.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { RecordedPlaybackSwitch } from '../playback/playbackEngine.ts';
import type { PlayerStatus, RecordedPlayback } from '../playback/videoPlayback.ts';
import './recordedVideo.css';

interface Props {
  cameraId: string;
  /** Where to start (wall-clock ms); later seeks go through the player. */
  startMs: number | null;
  onPlayer?: (player: RecordedPlayback | null) => void;
  onStatus?: (status: PlayerStatus) => void;
  label?: string;
}

export function RecordedVideo({ cameraId, startMs, onPlayer, onStatus, label }: Props) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [status, setStatus] = useState<PlayerStatus>({ phase: 'idle', message: null });
  const statusRef = useRef(onStatus);
  statusRef.current = onStatus;

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    const player = new RecordedPlaybackSwitch(video, cameraId, (next) => {
      setStatus(next);
      statusRef.current?.(next);
    });
    onPlayer?.(player);
    if (startMs !== null) void player.seek(startMs);
    return () => {
      onPlayer?.(null);
      player.destroy();
    };
    // One player per camera; later seeks go through the player, not this prop.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cameraId]);

  const words =
    status.message ??
    (status.phase === 'loading' ? 'Loading the recording…' : status.phase === 'waiting' ? 'Waiting for more video…' : status.phase === 'idle' ? 'Pick a moment on the timeline.' : null);
  return (
    <div class={`recorded-video phase-${status.phase}`}>
      <video ref={videoRef} muted playsInline aria-label={label ?? 'Recorded video'} data-phase={status.phase} />
      {words && (
        <div class={status.phase === 'error' || status.phase === 'no-recording' ? 'player-note problem' : 'player-note'} role="status">
          {words}
        </div>
      )}
    </div>
  );
}
