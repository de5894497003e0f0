/**
 * Motion masks drawn on a snapshot: drag to add a rectangle motion ignores (a road,
 * a tree, the camera's own clock); click a rectangle's × to remove it. Coordinates are
 * fractions of the frame, so they fit the main and the sub stream alike.
 * Suggested masks (regions motion learned to leave out: a burnt-in clock, a ticker, an
 * LED) are drawn dashed, with Keep (make it a mask) and Drop (stop suggesting it).
 */
import { useRef, useState } from 'preact/hooks';
import type { FrameRect } from '../../settingsApi.ts';
import './maskEditor.css';

export interface SuggestionActions {
  suggestions: FrameRect[];
  /** Absent where a mask cannot be saved here (a config camera: the page shows the YAML instead). */
  onKeep?: (region: FrameRect) => void;
  onDrop: (region: FrameRect) => void;
}

const clamp = (v: number) => Math.min(1, Math.max(0, v));
const round = (v: number) => Math.round(v * 1000) / 1000;

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
  const box = useRef<HTMLDivElement>(null);
  const [draft, setDraft] = useState<FrameRect | null>(null);
  const start = useRef<{ x: number; y: number } | null>(null);
  const [imageError, setImageError] = useState(false);

  const point = (event: PointerEvent) => {
    const rect = box.current!.getBoundingClientRect();
    return { x: clamp((event.clientX - rect.left) / rect.width), y: clamp((event.clientY - rect.top) / rect.height) };
  };
  const toRect = (a: { x: number; y: number }, b: { x: number; y: number }): FrameRect => ({
    x: round(Math.min(a.x, b.x)),
    y: round(Math.min(a.y, b.y)),
    w: round(Math.abs(a.x - b.x)),
    h: round(Math.abs(a.y - b.y)),
  });

  const onDown = (event: PointerEvent) => {
    if (readOnly || (event.target as HTMLElement).closest('button')) return;
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
    start.current = point(event);
    setDraft({ ...start.current, w: 0, h: 0 });
  };
  const onMove = (event: PointerEvent) => {
    if (start.current) setDraft(toRect(start.current, point(event)));
  };
  const onUp = (event: PointerEvent) => {
    if (!start.current) return;
    const rect = toRect(start.current, point(event));
    start.current = null;
    setDraft(null);
    // A click is not a mask: ignore anything under 2 % of the frame in either direction.
    if (rect.w >= 0.02 && rect.h >= 0.02) onChange([...masks, rect]);
  };

  const place = (r: FrameRect) => ({ left: `${r.x * 100}%`, top: `${r.y * 100}%`, width: `${r.w * 100}%`, height: `${r.h * 100}%` });

  return (
    <div class="mask-editor">
      <div
        ref={box}
        class={`mask-canvas${readOnly ? ' read-only' : ''}`}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={() => ((start.current = null), setDraft(null))}
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
