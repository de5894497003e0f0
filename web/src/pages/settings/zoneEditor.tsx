/**
 * Object zones drawn on a snapshot, the way motion masks are: drag to add one, name it, and
 * tick the labels it is for. A label listed in any zone counts only when the bottom centre
 * of its box (where a person stands, where a car's wheels are) lies inside one of its zones;
 * labels no zone lists count anywhere in the frame.
 */
import { useState } from 'preact/hooks';
import type { ObjectZoneView } from '../../settingsApi.ts';
import { place, useRectDrawing } from './rectDrawing.ts';
import { LabelChoices } from './labelChoices.tsx';

/** A new zone is for people (the usual reason to draw one: the path to the door). */
const newZoneLabels = ['person'];

export function ZoneEditor({ snapshot, zones, onChange, readOnly }: { snapshot: string; zones: ObjectZoneView[]; onChange: (zones: ObjectZoneView[]) => void; readOnly: boolean }) {
  const [imageError, setImageError] = useState(false);
  const { box, draft, handlers } = useRectDrawing(readOnly, (rect) => onChange([...zones, { name: freeName(zones), labels: [...newZoneLabels], ...rect }]));
  const update = (i: number, change: Partial<ObjectZoneView>) => onChange(zones.map((z, j) => (j === i ? { ...z, ...change } : z)));

  return (
    <div class="mask-editor zone-editor">
      <div ref={box} class={`mask-canvas${readOnly ? ' read-only' : ''}`} {...handlers} data-testid="zone-canvas">
        {imageError ? (
          <div class="mask-placeholder">No picture from this camera yet; zones can still be drawn on the empty frame.</div>
        ) : (
          <img src={snapshot} alt="Latest picture from the camera, for drawing zones" draggable={false} onError={() => setImageError(true)} />
        )}
        {zones.map((z, i) => (
          <div key={i} class="mask zone" style={place(z)} data-testid="zone" title={`${z.name}: ${z.labels.join(', ') || 'no labels'}`}>
            <span class="zone-name">{z.name || `zone ${i + 1}`}</span>
          </div>
        ))}
        {draft && <div class="mask draft" style={place(draft)} />}
      </div>
      <p class="muted small">
        {readOnly ? 'Zones of this camera are set in the config file.' : 'Drag on the picture to add a zone.'} A label a zone is for counts only with the bottom of its box inside
        that zone; labels no zone is for count anywhere. {zones.length} zone{zones.length === 1 ? '' : 's'}.
      </p>
      {zones.length > 0 && (
        <ol class="zone-list">
          {zones.map((z, i) => (
            <li key={i} data-testid="zone-row">
              <label>
                Zone name
                <input name={`zoneName${i}`} value={z.name} maxLength={40} required onInput={(e) => update(i, { name: e.currentTarget.value })} />
              </label>
              <LabelChoices name={`zoneLabels${i}`} legend="Counts only here for" value={z.labels} onChange={(labels) => update(i, { labels })} />
              {!readOnly && (
                <button type="button" aria-label={`Remove zone ${z.name || i + 1}`} onClick={() => onChange(zones.filter((_, j) => j !== i))}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** "driveway" is the homeowner's to type; until then "zone 2", one not taken yet. */
function freeName(zones: readonly ObjectZoneView[]): string {
  const taken = new Set(zones.map((z) => z.name));
  for (let n = zones.length + 1; n < zones.length + 100; n += 1) if (!taken.has(`zone ${n}`)) return `zone ${n}`;
  return `zone ${Date.now()}`;
}
