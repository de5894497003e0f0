/** Every camera with its state, source and identity; each opens its editor. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getCameras, type Camera } from '../../api.ts';
import { href } from '../../router.ts';
import { StateBadge } from '../../components/cameraState.tsx';

export function CameraListSettings() {
  const [cameras, setCameras] = useState<Camera[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    const load = () =>
      getCameras()
        .then((c) => alive && (setCameras(c), setError(null)))
        .catch((e) => alive && setError(e instanceof ApiError ? e.message : 'Hearth did not answer'));
    load();
    const timer = setInterval(load, 5000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!cameras) return <p class="muted">Loading cameras…</p>;
  if (cameras.length === 0)
    return (
      <div class="card empty">
        <p>No cameras yet.</p>
        <a class="button primary" href={href(['settings', 'add'])}>
          Add a camera
        </a>
      </div>
    );
  return (
    <div class="card">
      <table class="camera-table">
        <thead>
          <tr>
            <th>Camera</th>
            <th>State</th>
            <th>Identity</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          {cameras.map((c) => (
            <tr key={c.id}>
              <td>
                <a href={href(['settings', 'cameras', c.id])}>{c.name}</a>
                <div class="muted small">{c.id}</div>
              </td>
              <td>
                <StateBadge camera={c} />
              </td>
              <td>{c.identity.verified ? <span title="checked over ONVIF at every connect">{c.identity.serial}</span> : <span class="warn">unverified (plain RTSP)</span>}</td>
              <td class="small">
                {c.lastError ? (
                  <>
                    {c.lastError}
                    {c.lastErrorAtMs && <div class="muted">{new Date(c.lastErrorAtMs).toLocaleString()}</div>}
                  </>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
