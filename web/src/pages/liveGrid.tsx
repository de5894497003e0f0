/**
 * The live grid (#/live): every camera this user may see, live, one column on a phone and
 * two to four on a desktop. A tile opens the camera's own page; 1–9 open the Nth camera.
 */
import type { Camera, Me } from '../api.ts';
import { href, navigate } from '../router.ts';
import { useKeys } from '../shortcuts.ts';
import { StateBadge } from '../components/cameraState.tsx';
import { LivePlayer } from '../components/livePlayer.tsx';
import { useCameras } from '../live/useCameras.ts';
import './liveGrid.css';

/** Columns on a wide screen: few cameras get big tiles, many get a denser grid (CSS caps this on narrow screens). */
function columnsFor(count: number): number {
  if (count <= 1) return 1;
  if (count <= 4) return 2;
  if (count <= 9) return 3;
  return 4;
}

export function LiveGridPage({ me }: { me: Me }) {
  const state = useCameras();
  const cameras = state.status === 'loading' ? null : state.cameras;

  useKeys(
    (event) => {
      const n = Number(event.key);
      const camera = Number.isInteger(n) && n >= 1 && n <= 9 ? cameras?.[n - 1] : undefined;
      if (!camera) return false;
      navigate(['camera', camera.id]);
      return true;
    },
    [cameras],
  );

  if (state.status === 'loading') {
    return (
      <section class="page live-grid-page">
        <p class="muted">Loading cameras…</p>
      </section>
    );
  }
  if (!cameras) {
    return (
      <section class="page live-grid-page">
        <p class="error" role="alert">
          Could not load the cameras: {state.status === 'error' ? state.message : ''}. Hearth retries every few seconds.
        </p>
      </section>
    );
  }
  if (cameras.length === 0) {
    return (
      <section class="page live-grid-page">
        <div class="card empty">
          <h2>No cameras yet</h2>
          {me.role === 'admin' ? (
            <p>
              Add a camera in <a href={href(['settings', 'add'])}>Settings → Add camera</a>; cameras found on the network are listed there.
            </p>
          ) : (
            <p>No camera has been shared with your account yet. Ask whoever runs Hearth in your home to grant you one.</p>
          )}
        </div>
      </section>
    );
  }
  return (
    <section class="page live-grid-page">
      {state.status === 'error' && (
        <p class="error" role="alert">
          Lost contact with Hearth ({state.message}); states below may be out of date.
        </p>
      )}
      <div class={`live-grid cols-${columnsFor(cameras.length)}`}>
        {cameras.map((camera, i) => (
          <Tile key={camera.id} camera={camera} index={i} />
        ))}
      </div>
    </section>
  );
}

function Tile({ camera, index }: { camera: Camera; index: number }) {
  return (
    <article class="live-tile" data-camera={camera.id}>
      {/* The whole picture opens the camera; the name below is the keyboard-reachable link. */}
      <div
        class="live-tile-link"
        title={index < 9 ? `${camera.name} (key ${index + 1})` : camera.name}
        onClick={(event) => {
          if (!(event.target as HTMLElement).closest('button')) navigate(['camera', camera.id]);
        }}
      >
        <LivePlayer camera={camera} />
      </div>
      <header>
        <a href={href(['camera', camera.id])} class="name">
          {camera.name}
        </a>
        <StateBadge camera={camera} />
      </header>
    </article>
  );
}
