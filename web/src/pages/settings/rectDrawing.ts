/**
 * Drawing a rectangle on a snapshot by dragging: what the mask editor and the zone editor
 * share. Coordinates are fractions of the frame (0..1, three decimals), so a rectangle
 * fits the main and the sub stream alike.
 */
import { useRef, useState } from 'preact/hooks';
import type { FrameRect } from '../../settingsApi.ts';

const clamp = (v: number) => Math.min(1, Math.max(0, v));
const round = (v: number) => Math.round(v * 1000) / 1000;
/** A click is not a rectangle: anything under 2 % of the frame in either direction is ignored. */
const minSide = 0.02;

/** CSS placing a rectangle over the picture. */
export const place = (r: FrameRect) => ({ left: `${r.x * 100}%`, top: `${r.y * 100}%`, width: `${r.w * 100}%`, height: `${r.h * 100}%` });

export function useRectDrawing(readOnly: boolean, onRect: (rect: FrameRect) => void) {
  const box = useRef<HTMLDivElement>(null);
  const [draft, setDraft] = useState<FrameRect | null>(null);
  const start = useRef<{ x: number; y: number } | null>(null);

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

  const handlers = {
    onPointerDown: (event: PointerEvent) => {
      if (readOnly || (event.target as HTMLElement).closest('button, input, label')) return;
      (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
      start.current = point(event);
      setDraft({ ...start.current, w: 0, h: 0 });
    },
    onPointerMove: (event: PointerEvent) => {
      if (start.current) setDraft(toRect(start.current, point(event)));
    },
    onPointerUp: (event: PointerEvent) => {
      if (!start.current) return;
      const rect = toRect(start.current, point(event));
      start.current = null;
      setDraft(null);
      if (rect.w >= minSide && rect.h >= minSide) onRect(rect);
    },
    onPointerCancel: () => {
      start.current = null;
      setDraft(null);
    },
  };
  return { box, draft, handlers };
}
