/**
 * One camera's settings: name, on/off, retention, motion (on/off, sensitivity, masks), and
 * objects (on/off, alert kinds, minimum score, zones).
 * A camera defined in hearth.yaml is shown read-only with the YAML to paste, because
 * the file wins at every start. Regions motion learned to leave out are offered as
 * suggested masks: Keep saves one as a mask at once (the settings PATCH), Drop hides it;
 * a config camera shows the lines to add to its file instead of Keep.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, snapshotUrl } from '../../api.ts';
import {
  dropSuggestedMask,
  getCameraSettings,
  getSuggestedMasks,
  patchCameraSettings,
  type CameraObjectsView,
  type CameraSettings,
  type FrameRect,
  type SuggestedMasks,
} from '../../settingsApi.ts';
import { href } from '../../router.ts';
import { MaskEditor } from './maskEditor.tsx';
import { ObjectsEditor, objectsYaml } from './objectsEditor.tsx';
import { ErrorAlert } from '../../components/errorAlert.tsx';

function yamlFor(settings: CameraSettings, masks: FrameRect[], sensitivity: number, motionOn: boolean): string {
  const lines = [`  - id: ${settings.id}`, '    motion:', `      enabled: ${motionOn}`, `      sensitivity: ${sensitivity}`];
  if (masks.length > 0) {
    lines.push('      masks:');
    for (const m of masks) lines.push(`        - { x: ${m.x}, y: ${m.y}, w: ${m.w}, h: ${m.h} }`);
  }
  return lines.join('\n');
}

export function CameraEditor({ cameraId }: { cameraId: string }) {
  const [settings, setSettings] = useState<CameraSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [retention, setRetention] = useState('');
  const [motionOn, setMotionOn] = useState(true);
  const [sensitivity, setSensitivity] = useState(50);
  const [masks, setMasks] = useState<FrameRect[]>([]);
  /** Null until the settings are loaded. */
  const [objects, setObjects] = useState<CameraObjectsView | null>(null);
  const [busy, setBusy] = useState(false);
  const [suggested, setSuggested] = useState<SuggestedMasks | null>(null);

  const apply = (s: CameraSettings) => {
    setSettings(s);
    setName(s.name);
    setEnabled(s.enabled);
    setRetention(s.retentionDays === null ? '' : String(s.retentionDays));
    setMotionOn(s.motion.enabled);
    setSensitivity(s.motion.sensitivity);
    setMasks(s.motion.masks);
    setObjects(s.objects);
  };

  useEffect(() => {
    getCameraSettings(cameraId)
      .then(apply)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'Hearth did not answer'));
    // Suggestions are a help, not the page: without them the editor still works.
    getSuggestedMasks(cameraId)
      .then(setSuggested)
      .catch(() => setSuggested(null));
  }, [cameraId]);

  if (error && !settings) return <p class="error" role="alert">{error}</p>;
  if (!settings) return <p class="muted">Loading…</p>;
  const readOnly = !settings.editable;

  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    const days = retention.trim() === '' ? null : Number(retention);
    try {
      // Objects only when changed: an adopted camera left at the defaults keeps following them (NULL in its row).
      const objectsChanged = objects !== null && JSON.stringify(objects) !== JSON.stringify(settings.objects);
      const patch = { name, enabled, retentionDays: days, motion: { enabled: motionOn, sensitivity, masks }, ...(objectsChanged ? { objects } : {}) };
      apply(await patchCameraSettings(cameraId, patch));
      setSaved('Saved. Recording and motion use the new settings now.');
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Hearth did not answer');
    } finally {
      setBusy(false);
    }
  };

  const failed = (e: unknown) => setError(e instanceof ApiError ? e.message : 'Hearth did not answer');

  const keep = async (region: FrameRect) => {
    setError(null);
    setSaved(null);
    try {
      const next = await patchCameraSettings(cameraId, { motion: { masks: [...masks, region] } });
      setSettings(next);
      setMasks(next.motion.masks);
      setSuggested(await getSuggestedMasks(cameraId));
      setSaved('Kept as a mask. Motion ignores that area from now on.');
    } catch (e) {
      failed(e);
    }
  };

  const drop = async (region: FrameRect) => {
    setError(null);
    try {
      setSuggested(await dropSuggestedMask(cameraId, region));
    } catch (e) {
      failed(e);
    }
  };

  return (
    <form class="camera-editor" onSubmit={save}>
      <div class="card">
        <h2>
          {settings.name} <span class="muted small">({settings.id})</span>
        </h2>
        {readOnly && (
          <p class="notice" role="note">
            This camera is defined in <code>{settings.configFile ?? 'the config file'}</code>. Change it there and restart Hearth; the file wins at every start.
          </p>
        )}
        <dl class="facts">
          <dt>Identity</dt>
          <dd>{settings.identity.verified ? `serial ${settings.identity.serial}${settings.identity.mac ? `, MAC ${settings.identity.mac}` : ''}` : 'unverified (plain RTSP camera)'}</dd>
          {settings.onvifUrl && (
            <>
              <dt>ONVIF</dt>
              <dd>
                <code>{settings.onvifUrl}</code>
              </dd>
            </>
          )}
          <dt>Main stream</dt>
          <dd>
            <code>{settings.streams.main ?? '—'}</code>
          </dd>
          <dt>Sub stream</dt>
          <dd>
            <code>{settings.streams.sub ?? '— (motion uses the main stream)'}</code>
          </dd>
        </dl>
        <fieldset disabled={readOnly}>
          <label>
            Name
            <input name="name" value={name} maxLength={80} onInput={(e) => setName(e.currentTarget.value)} required />
          </label>
          <label class="inline">
            <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Record this camera
          </label>
          <label>
            Keep recordings for (days; empty = the default)
            <input name="retentionDays" type="number" min={1} max={3650} inputMode="numeric" value={retention} onInput={(e) => setRetention(e.currentTarget.value)} />
          </label>
        </fieldset>
      </div>
      <div class="card">
        <h3>Motion</h3>
        <fieldset disabled={readOnly}>
          <label class="inline">
            <input type="checkbox" name="motionEnabled" checked={motionOn} onChange={(e) => setMotionOn(e.currentTarget.checked)} /> Detect motion
          </label>
          <label>
            Sensitivity: {sensitivity}
            <input name="sensitivity" type="range" min={1} max={100} value={sensitivity} onInput={(e) => setSensitivity(Number(e.currentTarget.value))} />
          </label>
        </fieldset>
        <MaskEditor
          snapshot={snapshotUrl(cameraId)}
          masks={masks}
          onChange={setMasks}
          readOnly={readOnly}
          suggested={suggested ? { suggestions: suggested.suggestions, onKeep: readOnly ? undefined : keep, onDrop: drop } : undefined}
        />
        {readOnly && suggested?.yaml && (
          <details open>
            <summary>Keep the suggested masks: add these lines to {settings.configFile ?? 'the config file'}</summary>
            <pre class="yaml" data-testid="suggested-yaml">{suggested.yaml}</pre>
            <p class="muted small">Put the masks under this camera's entry (merge with any masks it has), then restart Hearth.</p>
          </details>
        )}
        {readOnly && (
          <details>
            <summary>YAML for these motion settings</summary>
            <pre class="yaml">{yamlFor(settings, masks, sensitivity, motionOn)}</pre>
          </details>
        )}
      </div>
      {objects && (
        <>
          <ObjectsEditor snapshot={snapshotUrl(cameraId)} value={objects} onChange={setObjects} readOnly={readOnly} />
          {readOnly && (
            <details class="card">
              <summary>YAML for these object settings</summary>
              <pre class="yaml">{objectsYaml(settings.id, objects)}</pre>
            </details>
          )}
        </>
      )}
      <ErrorAlert message={error} />
      {saved && (
        <p class="ok" role="status">
          {saved}
        </p>
      )}
      <div class="toolbar">
        <a href={href(['settings', 'cameras'])}>← All cameras</a>
        <span class="spacer" />
        {!readOnly && (
          <button type="submit" class="primary" disabled={busy}>
            Save
          </button>
        )}
      </div>
    </form>
  );
}
