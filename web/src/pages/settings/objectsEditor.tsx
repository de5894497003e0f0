/**
 * The camera's object detection settings: on/off, which kinds raise an alert, the score a
 * detection needs before it is a label, and zones (drawn like masks) for labels that count
 * only in part of the picture. Scores are fractions (0.05..0.99) in the API, percent here.
 */
import type { CameraObjectsView } from '../../settingsApi.ts';
import { LabelChoices } from './labelChoices.tsx';
import { ZoneEditor } from './zoneEditor.tsx';

export const minScorePercent = 5;
export const maxScorePercent = 99;

export function ObjectsEditor({ snapshot, value, onChange, readOnly }: { snapshot: string; value: CameraObjectsView; onChange: (next: CameraObjectsView) => void; readOnly: boolean }) {
  const percent = Math.round(value.minScore * 100);
  const setPercent = (p: number) => {
    if (!Number.isFinite(p)) return;
    const clamped = Math.min(maxScorePercent, Math.max(minScorePercent, Math.round(p)));
    onChange({ ...value, minScore: clamped / 100 });
  };
  return (
    <div class="card objects-editor" data-testid="objects-section">
      <h3>Objects</h3>
      <fieldset disabled={readOnly}>
        <label class="inline">
          <input type="checkbox" name="objectsEnabled" checked={value.enabled} onChange={(e) => onChange({ ...value, enabled: e.currentTarget.checked })} /> Name what moves (person,
          vehicle, animal)
        </label>
        <LabelChoices name="objectsAlert" legend="Alert when the camera sees" value={value.alert} onChange={(alert) => onChange({ ...value, alert })} />
        <label>
          Minimum score: {percent}%
          <span class="score-row">
            <input name="minScoreRange" type="range" min={minScorePercent} max={maxScorePercent} value={percent} aria-label="Minimum score (percent)" onInput={(e) => setPercent(Number(e.currentTarget.value))} />
            <input name="minScore" type="number" min={minScorePercent} max={maxScorePercent} step={1} inputMode="numeric" value={percent} onChange={(e) => setPercent(Number(e.currentTarget.value))} />
          </span>
        </label>
        <p class="muted small">A detection scored below this is not a label. Higher: fewer mistakes, more missed; 50% suits most cameras.</p>
        <ZoneEditor snapshot={snapshot} zones={value.zones} onChange={(zones) => onChange({ ...value, zones })} readOnly={readOnly} />
      </fieldset>
    </div>
  );
}

/** The config file lines for these settings (a config camera changes them there). */
export function objectsYaml(cameraId: string, o: CameraObjectsView): string {
  const list = (names: readonly string[]) => `[${names.join(', ')}]`;
  const lines = [`  - id: ${cameraId}`, '    objects:', `      enabled: ${o.enabled}`, `      alert: ${list(o.alert)}`, `      minScore: ${o.minScore}`];
  if (o.zones.length > 0) {
    lines.push('      zones:');
    for (const z of o.zones) lines.push(`        - { name: ${JSON.stringify(z.name)}, labels: ${list(z.labels)}, x: ${z.x}, y: ${z.y}, w: ${z.w}, h: ${z.h} }`);
  }
  return lines.join('\n');
}
