/**
 * One camera, live and large (#/camera/ID): its state and identity, fullscreen, a snapshot
 * download, and the way into its recordings. Keys: f fullscreen, Escape back to the grid,
 * 1–9 the Nth camera of the grid. A camera this user may not see is "not found", and its
 * video is never requested.
 */
import { useRef } from 'preact/hooks';
import { snapshotUrl, type Camera, type Me } from '../api.ts';
import { href, navigate } from '../router.ts';
import { useKeys } from '../shortcuts.ts';
import { StateBadge } from '../components/cameraState.tsx';
import { LivePlayer } from '../components/livePlayer.tsx';
import { useCameras } from '../live/useCameras.ts';
import './camera.css';

export function CameraPage({ cameraId }: { cameraId: string; me: Me }) {
  const state = useCameras();
  const stageRef = useRef<HTMLDivElement>(null);
  const cameras = state.status === 'loading' ? null : state.cameras;
  const camera = cameras?.find((c) => c.id === cameraId) ?? null;

  const toggleFullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    else void stageRef.current?.requestFullscreen?.().catch(() => undefined);
  };

  useKeys(
    (event) => {
      if (event.key === 'f' && camera) {
        toggleFullscreen();
        return true;
      }
      if (event.key === 'Escape' && !document.fullscreenElement) {
        navigate(['live']);
        return true;
      }
      const n = Number(event.key);
      const target = Number.isInteger(n) && n >= 1 && n <= 9 ? cameras?.[n - 1] : undefined;
      if (target) {
        navigate(['camera', target.id]);
        return true;
      }
      return false;
    },
    [cameras, camera],
  );

  if (state.status === 'loading') {
    return (
      <section class="page camera-page">
        <p class="muted">Loading camera…</p>
      </section>
    );
  }
  if (!cameras) {
    return (
      <section class="page camera-page">
        <p class="error" role="alert">
          Could not load the camera: {state.status === 'error' ? state.message : ''}. Hearth retries every few seconds.
        </p>
      </section>
    );
  }
  if (!camera) {
    return (
      <section class="page camera-page">
        <div class="card not-found" role="alert">
          <h2>Camera not found</h2>
          <p>There is no camera “{cameraId}”, or your account may not see it.</p>
          <a href={href(['live'])}>← Back to all cameras</a>
        </div>
      </section>
    );
  }

  return (
    <section class="page camera-page">
      <div class="toolbar">
        <a href={href(['live'])} title="All cameras (Escape)">
          ← All cameras
        </a>
        <h2 class="camera-title">{camera.name}</h2>
        <StateBadge camera={camera} />
        <span class="spacer" />
        <button type="button" onClick={toggleFullscreen} title="Fullscreen (f)">
          Fullscreen
        </button>
        <a class="button-link" href={snapshotUrl(camera.id)} download={`${camera.id}-snapshot.jpg`}>
          Snapshot
        </a>
        <a class="button-link" href={href(['timeline', camera.id])}>
          Timeline
        </a>
        <a class="button-link" href={href(['events'], { camera: camera.id })}>
          Events
        </a>
      </div>
      <div class="camera-stage" ref={stageRef}>
        <LivePlayer camera={camera} large />
      </div>
      <CameraFacts camera={camera} />
      <p class="muted keys-hint">Keys: f fullscreen · Esc all cameras · 1–9 another camera</p>
    </section>
  );
}

function audioText(camera: Camera): string {
  const audio = camera.audio;
  if (!audio) return 'Not known until the camera records';
  if (audio.note) return audio.note;
  return audio.mode === 'none' ? 'Not recorded' : 'Recorded as the camera sends it';
}

function CameraFacts({ camera }: { camera: Camera }) {
  return (
    <dl class="camera-facts">
      <dt>Identity</dt>
      <dd>
        {camera.identity.verified ? (
          <span class="verified">Verified — serial {camera.identity.serial ?? 'unknown'}</span>
        ) : (
          <span class="unverified" title="Plain-RTSP cameras cannot prove which device answers at their address.">
            Identity unverified{camera.identity.serial ? ` — serial ${camera.identity.serial}` : ' (plain RTSP, no ONVIF)'}
          </span>
        )}
      </dd>
      <dt>Audio</dt>
      <dd class="camera-audio">{audioText(camera)}</dd>
      <dt>Last error</dt>
      <dd>
        {camera.lastError ? (
          <>
            {camera.lastError}
            {camera.lastErrorAtMs !== null && <span class="muted"> — {new Date(camera.lastErrorAtMs).toLocaleString()}</span>}
          </>
        ) : (
          <span class="muted">None</span>
        )}
      </dd>
    </dl>
  );
}
