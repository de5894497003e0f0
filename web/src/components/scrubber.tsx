/**
 * The scrubber: recorded spans as a filled band (gaps stay empty), motion markers as
 * ticks above it (those where the detector named something get a pin and their own colour,
 * an alert another; hovering one says what it was in the canvas's tooltip), the playhead,
 * and an optional selection for "Download range".
 * Drag to move through time, wheel or pinch to zoom between 5 minutes and a month, click
 * (or tap) to play from that moment. Drawn on a canvas: even merged to a pixel, a month
 * can hold hundreds of spans and markers, too many DOM nodes for a phone.
 */
import { useEffect, useRef } from 'preact/hooks';
import { clockTime, dayMs, hourMs, localDayStart, minuteMs } from '../playback/timeFormat.ts';
import './scrubber.css';

export interface ScrubberView {
  startMs: number;
  spanMs: number;
}

export interface TimeRange {
  start: number;
  end: number;
}

/** A motion marker: what the detector named in it (label names, best first) and whether it alerted. */
export interface EventMarkerRange extends TimeRange {
  labels: string[];
  alert: boolean;
}

export const minSpanMs = 5 * minuteMs;
/** A month: the coverage route answers up to 62 days, the view and half a view either side. */
export const maxSpanMs = 31 * dayMs;

interface Props {
  view: ScrubberView;
  onView: (view: ScrubberView) => void;
  recorded: TimeRange[];
  events: EventMarkerRange[];
  playheadMs: number | null;
  /** In selection mode a drag selects instead of moving the view. */
  selecting: boolean;
  selection: TimeRange | null;
  onSelect: (range: TimeRange) => void;
  onSeek: (ms: number) => void;
}

/** Keeps the view within [.., now + a tenth of the span] and the span within limits. */
export function clampView(view: ScrubberView, nowMs = Date.now()): ScrubberView {
  const spanMs = Math.min(maxSpanMs, Math.max(minSpanMs, view.spanMs));
  const latestStart = nowMs + spanMs * 0.1 - spanMs;
  return { startMs: Math.min(view.startMs, latestStart), spanMs };
}

const tickSteps = [minuteMs, 5 * minuteMs, 10 * minuteMs, 15 * minuteMs, 30 * minuteMs, hourMs, 2 * hourMs, 3 * hourMs, 6 * hourMs, 12 * hourMs, dayMs, 2 * dayMs, 7 * dayMs];

function cssVar(element: Element, name: string, fallback: string): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}

export function Scrubber(props: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  // Latest props for the event handlers registered once.
  const latest = useRef(props);
  latest.current = props;

  // Draw on every render and on resize.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    draw(canvas, props);
  });

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const resize = new ResizeObserver(() => draw(canvas, latest.current));
    resize.observe(canvas);

    const pointers = new Map<number, number>(); // pointerId -> clientX
    let gesture: { kind: 'none' | 'pan' | 'select' | 'pinch'; downX: number; downMs: number; view: ScrubberView; pinchDistance: number; pinchMidMs: number } | null = null;

    const timeAt = (clientX: number, view = latest.current.view) => {
      const rect = canvas.getBoundingClientRect();
      return view.startMs + ((clientX - rect.left) / Math.max(1, rect.width)) * view.spanMs;
    };
    const msPerPx = (view: ScrubberView) => view.spanMs / Math.max(1, canvas.getBoundingClientRect().width);

    const onDown = (event: PointerEvent) => {
      canvas.setPointerCapture(event.pointerId);
      pointers.set(event.pointerId, event.clientX);
      const view = latest.current.view;
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()] as [number, number];
        gesture = { kind: 'pinch', downX: 0, downMs: 0, view, pinchDistance: Math.max(10, Math.abs(a - b)), pinchMidMs: timeAt((a + b) / 2) };
        return;
      }
      gesture = { kind: 'none', downX: event.clientX, downMs: timeAt(event.clientX), view, pinchDistance: 0, pinchMidMs: 0 };
    };
    const onMove = (event: PointerEvent) => {
      if (!pointers.has(event.pointerId) || !gesture) {
        if (pointers.size === 0) canvas.title = markerTitle(markerAt(latest.current, timeAt(event.clientX), msPerPx(latest.current.view) * markerHitPx));
        return;
      }
      pointers.set(event.pointerId, event.clientX);
      const p = latest.current;
      if (gesture.kind === 'pinch' && pointers.size >= 2) {
        const [a, b] = [...pointers.values()] as [number, number];
        const spanMs = gesture.view.spanMs * (gesture.pinchDistance / Math.max(10, Math.abs(a - b)));
        const next = clampView({ startMs: 0, spanMs });
        const rect = canvas.getBoundingClientRect();
        const fraction = ((a + b) / 2 - rect.left) / Math.max(1, rect.width);
        p.onView(clampView({ startMs: gesture.pinchMidMs - fraction * next.spanMs, spanMs: next.spanMs }));
        return;
      }
      if (gesture.kind === 'none' && Math.abs(event.clientX - gesture.downX) > 6) gesture.kind = p.selecting ? 'select' : 'pan';
      if (gesture.kind === 'pan') {
        p.onView(clampView({ startMs: gesture.view.startMs - (event.clientX - gesture.downX) * msPerPx(gesture.view), spanMs: gesture.view.spanMs }));
      } else if (gesture.kind === 'select') {
        const here = timeAt(event.clientX);
        p.onSelect({ start: Math.min(gesture.downMs, here), end: Math.max(gesture.downMs, here) });
      }
    };
    const onUp = (event: PointerEvent) => {
      if (!pointers.delete(event.pointerId)) return;
      if (gesture && gesture.kind === 'none' && pointers.size === 0) latest.current.onSeek(Math.min(Date.now(), timeAt(event.clientX)));
      if (pointers.size === 0) gesture = null;
      else if (gesture?.kind === 'pinch') gesture = { ...gesture, kind: 'pan', downX: [...pointers.values()][0] ?? 0, view: latest.current.view };
    };
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const view = latest.current.view;
      const horizontal = Math.abs(event.deltaX) > Math.abs(event.deltaY) || event.shiftKey;
      if (horizontal) {
        const delta = event.deltaX || event.deltaY;
        latest.current.onView(clampView({ startMs: view.startMs + delta * msPerPx(view), spanMs: view.spanMs }));
        return;
      }
      const anchor = timeAt(event.clientX);
      const factor = Math.exp(Math.max(-1, Math.min(1, event.deltaY / 300)));
      const next = clampView({ startMs: 0, spanMs: view.spanMs * factor });
      const fraction = (anchor - view.startMs) / view.spanMs;
      latest.current.onView(clampView({ startMs: anchor - fraction * next.spanMs, spanMs: next.spanMs }));
    };
    canvas.addEventListener('pointerdown', onDown);
    canvas.addEventListener('pointermove', onMove);
    canvas.addEventListener('pointerup', onUp);
    canvas.addEventListener('pointercancel', onUp);
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      resize.disconnect();
      canvas.removeEventListener('pointerdown', onDown);
      canvas.removeEventListener('pointermove', onMove);
      canvas.removeEventListener('pointerup', onUp);
      canvas.removeEventListener('pointercancel', onUp);
      canvas.removeEventListener('wheel', onWheel);
    };
  }, []);

  const { view, playheadMs } = props;
  return (
    <div class="scrubber">
      <canvas
        ref={canvasRef}
        class={props.selecting ? 'selecting' : undefined}
        role="slider"
        tabIndex={0}
        aria-label="Timeline: drag to move, scroll or pinch to zoom, click to play from that moment"
        aria-valuemin={view.startMs}
        aria-valuemax={view.startMs + view.spanMs}
        aria-valuenow={playheadMs ?? undefined}
        aria-valuetext={playheadMs === null ? 'nothing playing' : clockTime(playheadMs)}
        data-view-start={Math.round(view.startMs)}
        data-view-end={Math.round(view.startMs + view.spanMs)}
      />
    </div>
  );
}

/** How near (in pixels) the pointer must be to a marker for its tooltip. */
const markerHitPx = 4;

/** The marker under `atMs` (within `slackMs`), labelled ones first: they are what a user hovers for. */
function markerAt(props: Props, atMs: number, slackMs: number): EventMarkerRange | null {
  let best: EventMarkerRange | null = null;
  for (const m of props.events) {
    const end = m.end || m.start + 1000;
    if (atMs < m.start - slackMs || atMs > end + slackMs) continue;
    if (!best || (m.labels.length > 0 && best.labels.length === 0) || (m.alert && !best.alert)) best = m;
  }
  return best;
}

function markerTitle(marker: EventMarkerRange | null): string {
  if (!marker) return '';
  const what = marker.labels.length > 0 ? marker.labels.join(', ') : 'motion';
  return `${marker.alert ? 'Alert: ' : ''}${what.charAt(0).toUpperCase()}${what.slice(1)} at ${clockTime(marker.start)}`;
}

function draw(canvas: HTMLCanvasElement, props: Props): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const { view } = props;
  const x = (ms: number) => ((ms - view.startMs) / view.spanMs) * width;
  const colors = {
    track: cssVar(canvas, '--panel-2', '#1f252d'),
    line: cssVar(canvas, '--line', '#2b333d'),
    muted: cssVar(canvas, '--muted', '#8f9aa8'),
    text: cssVar(canvas, '--text', '#e6e9ee'),
    recorded: cssVar(canvas, '--ok', '#3fb950'),
    event: cssVar(canvas, '--accent', '#f08a24'),
    labelled: cssVar(canvas, '--labelled', '#58a6ff'),
    alert: cssVar(canvas, '--bad', '#f85149'),
  };
  const bandTop = 26;
  const bandHeight = height - bandTop - 8;

  g.fillStyle = colors.track;
  g.fillRect(0, bandTop, width, bandHeight);

  // Ticks on local-time boundaries, at least ~80 px apart; a day or more steps by calendar days (DST days are 23 or 25 h).
  const step = tickSteps.find((s) => (s / view.spanMs) * width >= 80) ?? 7 * dayMs;
  const dayStart = localDayStart(view.startMs);
  const nextTick = (t: number): number => {
    if (step < dayMs) return t + step;
    const d = new Date(t);
    d.setDate(d.getDate() + Math.round(step / dayMs));
    return d.getTime();
  };
  const firstTick = step < dayMs ? dayStart + Math.ceil((view.startMs - dayStart) / step) * step : dayStart;
  g.font = '11px system-ui, sans-serif';
  g.textBaseline = 'top';
  for (let t = firstTick, n = 0; t <= view.startMs + view.spanMs && n < 200; t = nextTick(t), n += 1) {
    if (t < view.startMs) continue;
    const px = Math.round(x(t)) + 0.5;
    g.strokeStyle = colors.line;
    g.beginPath();
    g.moveTo(px, bandTop - 6);
    g.lineTo(px, height);
    g.stroke();
    const midnight = localDayStart(t) === t;
    g.fillStyle = midnight ? colors.text : colors.muted;
    const label = midnight ? new Date(t).toLocaleDateString([], { day: 'numeric', month: 'short' }) : clockTime(t, false);
    if (px + 3 + g.measureText(label).width <= width) g.fillText(label, px + 3, 2);
  }

  // Recorded spans (the server merged them to about a pixel), joined again where they touch at this width.
  g.fillStyle = colors.recorded;
  g.globalAlpha = 0.55;
  let runStart: number | null = null;
  let runEnd = 0;
  const flush = () => {
    if (runStart !== null) g.fillRect(x(runStart), bandTop + 10, Math.max(1, x(runEnd) - x(runStart)), bandHeight - 10);
  };
  const joinMs = view.spanMs / width; // closer than a pixel: the same run
  for (const range of props.recorded) {
    if (range.end < view.startMs || range.start > view.startMs + view.spanMs) continue;
    if (runStart !== null && range.start - runEnd <= joinMs) {
      runEnd = Math.max(runEnd, range.end);
      continue;
    }
    flush();
    runStart = range.start;
    runEnd = range.end;
  }
  flush();
  g.globalAlpha = 1;

  // Motion markers: a bar along the top of the band. Labelled ones are drawn after plain
  // motion (so they stay on top where they meet), in their own colour, with a pin above it.
  const visible = props.events.filter((e) => (e.end || e.start + 1000) >= view.startMs && e.start <= view.startMs + view.spanMs);
  const rank = (e: EventMarkerRange) => (e.alert ? 2 : e.labels.length > 0 ? 1 : 0);
  for (const event of visible.sort((a, b) => rank(a) - rank(b))) {
    const end = event.end || event.start + 1000;
    const left = x(event.start);
    const barWidth = Math.max(3, x(end) - left);
    g.fillStyle = event.alert ? colors.alert : event.labels.length > 0 ? colors.labelled : colors.event;
    g.fillRect(left, bandTop, barWidth, 7);
    if (rank(event) > 0) {
      const mid = left + Math.min(barWidth, 8) / 2;
      g.beginPath();
      g.moveTo(mid - 4, bandTop - 8);
      g.lineTo(mid + 4, bandTop - 8);
      g.lineTo(mid, bandTop);
      g.fill();
    }
  }

  if (props.selection) {
    const left = x(props.selection.start);
    const right = x(props.selection.end);
    g.fillStyle = 'rgba(255, 176, 102, 0.25)';
    g.fillRect(left, bandTop - 6, Math.max(2, right - left), bandHeight + 6);
    g.fillStyle = colors.event;
    g.fillRect(left - 1, bandTop - 6, 2, bandHeight + 6);
    g.fillRect(right - 1, bandTop - 6, 2, bandHeight + 6);
  }

  // Now: a dashed line, nothing to the right of it can exist yet.
  const nowX = x(Date.now());
  if (nowX >= 0 && nowX <= width) {
    g.strokeStyle = colors.muted;
    g.setLineDash([3, 3]);
    g.beginPath();
    g.moveTo(nowX, bandTop);
    g.lineTo(nowX, height);
    g.stroke();
    g.setLineDash([]);
  }

  if (props.playheadMs !== null) {
    const px = x(props.playheadMs);
    if (px >= -2 && px <= width + 2) {
      g.fillStyle = colors.text;
      g.fillRect(px - 1, bandTop - 8, 2, bandHeight + 8);
      g.beginPath();
      g.moveTo(px - 5, bandTop - 10);
      g.lineTo(px + 5, bandTop - 10);
      g.lineTo(px, bandTop - 3);
      g.fill();
    }
  }
}
