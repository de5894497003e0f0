/**
 * Motion masks drawn on a snapshot: drag to add a rectangle motion ignores (a road,
 * a tree, the camera's own clock); click a rectangle's × to remove it. Coordinates are
 * fractions of the frame, so they fit the main and the sub stream alike.
 * Suggested masks (regions motion learned to leave out: a burnt-in clock, a ticker, an
 * LED) are drawn dashed, with Keep (make it a mask) and Drop (stop suggesting it).
 */
import { useState } from 'preact/hooks';
import type { FrameRect } from '../../settingsApi.ts';
import { place, useRectDrawing } from './rectDrawing.ts';
import './maskEditor.css';

export interface SuggestionActions {
  suggestions: FrameRect[];
  /** Absent where a mask cannot be saved here (a config camera: the page shows the YAML instead). */
  onKeep?: (region: FrameRect) => void;
  onDrop: (region: FrameRect) => void;
}

export function MaskEditor({
  snapshot,
  masks,
  onChange,
  readOnly,
  suggested,
}: {
  snapshot: string;
  masks: FrameRect[];
  onChange: (masks: FrameRect[]) => void;
  readOnly: boolean;
  suggested?: SuggestionActions;
}) {
  const { box, draft, handlers } = useRectDrawing(readOnly, (rect) => onChange([...masks, rect]));
  const [imageError, setImageError] = useState(false);

  return (
    <div class="mask-editor">
      <div
        ref={box}
        class={`mask-canvas${readOnly ? ' read-only' : ''}`}
        {...handlers}
        data-testid="mask-canvas"
      >
        {imageError ? (
          <div class="mask-placeholder">No picture from this camera yet; masks can still be drawn on the empty frame.</div>
        ) : (
          <img src={snapshot} alt="Latest picture from the camera" draggable={false} onError={() => setImageError(true)} />
        )}
        {masks.map((m, i) => (
          <div key={i} class="mask" style={place(m)} data-testid="mask">
            {!readOnly && (
              <button type="button" aria-label={`Remove mask ${i + 1}`} onClick={() => onChange(masks.filter((_, j) => j !== i))}>
                ×
              </button>
            )}
          </div>
        ))}
        {suggested?.suggestions.map((r, i) => (
          <div key={`s${i}`} class={`mask suggestion${r.y + r.h > 0.85 ? ' actions-above' : ''}`} style={place(r)} data-testid="suggested-mask" title="Changes all the time: motion leaves it out">
            <span class="suggestion-actions">
              {suggested.onKeep && (
                <button type="button" aria-label={`Keep suggested mask ${i + 1}`} onClick={() => suggested.onKeep?.(r)}>
                  Keep
                </button>
              )}
              <button type="button" aria-label={`Drop suggested mask ${i + 1}`} onClick={() => suggested.onDrop(r)}>
                Drop
              </button>
            </span>
          </div>
        ))}
        {draft && <div class="mask draft" style={place(draft)} />}
      </div>
      <p class="muted small">
        {readOnly ? 'Masks of this camera are set in the config file.' : 'Drag on the picture to add an area where motion is ignored.'} {masks.length} mask
        {masks.length === 1 ? '' : 's'}.
      </p>
      {suggested && suggested.suggestions.length > 0 && (
        <p class="muted small suggestion-note" role="note">
          Dashed: {suggested.suggestions.length === 1 ? 'an area' : `${suggested.suggestions.length} areas`} that change all the time (the camera's clock, a ticker, a
          blinking light). Motion already leaves {suggested.suggestions.length === 1 ? 'it' : 'them'} out while {suggested.suggestions.length === 1 ? 'it keeps' : 'they keep'}{' '}
          changing; Keep makes a mask of one, Drop stops suggesting it.
        </p>
      )}
    </div>
  );
}
