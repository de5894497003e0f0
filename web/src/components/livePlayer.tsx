/**
 * A camera's live video (src/live/liveStream.ts) with words instead of a spinner: the last
 * snapshot while connecting, the camera's state when it has no feed, and a plain message
 * when this browser cannot decode the camera's codec. Fetches only while on screen.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { liveUrl, snapshotUrl, type Camera } from '../api.ts';
import { LiveStream, type LiveStatus } from '../live/liveStream.ts';
import { useOnScreen } from '../live/useOnScreen.ts';
import { StateMessage } from './cameraState.tsx';
import './livePlayer.css';

/** After this long without a picture the caption says so instead of "Connecting…". */
const slowConnectMs = 8_000;

type Mpeg1PlayerComponent = (typeof import('./mpeg1Player.tsx'))['Mpeg1Player'];

/** JSMpeg is loaded only when a camera needs it: most homes never download it, and it injects a <style> the CSP refuses. */
function LazyMpeg1Player({ cameraId, label }: { cameraId: string; label: string }) {
  const [Player, setPlayer] = useState<Mpeg1PlayerComponent | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let mounted = true;
    import('./mpeg1Player.tsx')
      .then((module) => mounted && setPlayer(() => module.Mpeg1Player))
      .catch(() => mounted && setFailed(true));
    return () => {
      mounted = false;
    };
  }, []);
  if (failed) return <span class="live-caption">The fallback player could not load; reload the page.</span>;
  return Player ? <Player cameraId={cameraId} label={label} /> : null;
}

export function LivePlayer({ camera, large = false }: { camera: Camera; large?: boolean }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const streamRef = useRef<LiveStream | null>(null);
  const [status, setStatus] = useState<LiveStatus>({ kind: 'idle' });
  const [slow, setSlow] = useState(false);
  const [retryToken, setRetryToken] = useState(0);
  const [posterWanted, setPosterWanted] = useState(false);
  const onScreen = useOnScreen(boxRef);
  const playing = status.kind === 'playing';
  // The server answers 503 for a camera that is not recording; don't ask until its state says it has a feed.
  const run = onScreen && (camera.state === 'recording' || playing);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    const stream = new LiveStream({ url: liveUrl(camera.id), video, onStatus: setStatus });
    streamRef.current = stream;
    return () => {
      stream.stop();
      streamRef.current = null;
    };
  }, [camera.id]);

  useEffect(() => {
    const stream = streamRef.current;
    if (!stream) return;
    if (run) {
      setPosterWanted(true);
      stream.start();
    } else {
      stream.stop();
    }
  }, [run, camera.id, retryToken]);

  useEffect(() => {
    setSlow(false);
    if (status.kind !== 'connecting' && status.kind !== 'no_feed') return;
    const timer = setTimeout(() => setSlow(true), slowConnectMs);
    return () => clearTimeout(timer);
  }, [status.kind]);

  let overlay = null;
  if (status.kind === 'unsupported' && onScreen) {
    // docs/DESIGN.md, "Live view from the recorder's connection": the browser cannot decode this codec (H.265 mostly), so Hearth transcodes
    // its own feed to MPEG-1 for JSMpeg, only while someone watches.
    overlay = (
      <div class="live-fallback" title={`This camera sends ${status.videoName ?? status.codec}, which this browser cannot play live; shown through Hearth's fallback view (lower quality). Recordings still work.`}>
        <LazyMpeg1Player cameraId={camera.id} label={`Live video of ${camera.name} (fallback view)`} />
        <span class="live-caption">{status.videoName ?? status.codec} · fallback view</span>
      </div>
    );
  } else if (status.kind === 'no_mse') {
    overlay = (
      <div class="state-message" role="status">
        <strong>Live view needs a newer browser</strong>
        <span>This browser has no Media Source Extensions. Recordings still play in the Timeline.</span>
      </div>
    );
  } else if (status.kind === 'not_found') {
    overlay = (
      <div class="state-message" role="status">
        <strong>Camera not found</strong>
        <span>It does not exist, or your account may not see it.</span>
      </div>
    );
  } else if (status.kind === 'failed') {
    overlay = (
      <div class="state-message" role="status">
        <strong>Live video stopped</strong>
        <span>{status.message} The camera or the network may be overloaded.</span>
        <button type="button" onClick={(e) => (e.preventDefault(), e.stopPropagation(), setRetryToken((n) => n + 1))}>
          Try again
        </button>
      </div>
    );
  } else if (!playing && camera.state !== 'recording') {
    overlay = <StateMessage camera={camera} />;
  }

  let caption: string | null = null;
  if (!overlay && !playing && run) {
    if (status.kind === 'no_feed') caption = slow ? `No video from the camera yet: ${status.message}` : 'Waiting for the camera…';
    else if (status.kind === 'connecting') caption = slow ? 'Still connecting — the camera or Wi-Fi is slow…' : status.reconnect ? 'Reconnecting…' : 'Connecting…';
  }

  return (
    <div ref={boxRef} class={`live-player${large ? ' large' : ''}`} data-camera={camera.id} data-live-status={status.kind}>
      <video
        ref={videoRef}
        muted
        playsInline
        autoPlay
        disablePictureInPicture
        poster={posterWanted && camera.state === 'recording' ? snapshotUrl(camera.id) : undefined}
        aria-label={`Live video of ${camera.name}`}
      />
      {caption && <span class="live-caption">{caption}</span>}
      {overlay}
    </div>
  );
}
