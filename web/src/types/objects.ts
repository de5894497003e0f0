/**
 * What object detection adds to the API answers (issue 17's contract, "HTTP API"), as the
 * web UI reads them. Kept here as extensions of the shared wire types rather than edits of
 * src/wire/, whose server side fills them: every field is optional because a server
 * without object detection (or an older one) sends none of them, and the UI then shows
 * motion as it always has.
 */
import type { CameraSettingsView, CoverageView, FrameRect, MotionEventView } from '../../../src/wire/index.ts';
import type { ObjectKind } from '../../../src/objects/labels.ts';

/** One label of an event (best score first in `labels`). */
export interface EventLabelView {
  /** A COCO class name ("person", "car", "dog"). */
  label: string;
  kind: ObjectKind | null;
  /** 0..1, the best of the event. */
  score: number;
  box: FrameRect;
}

/** GET /api/events (each) with object labels. */
export type LabelledEventView = MotionEventView & { labels?: EventLabelView[]; alert?: boolean };

/**
 * A coverage marker may stand for several events: `labels` are the labels any of them has
 * (label names; a server sending label objects instead is read too, see labelNames), `alert`
 * whether any of them alerted.
 */
export type CoverageMarker = CoverageView['events'][number] & { labels?: ReadonlyArray<string | { label: string }>; alert?: boolean };

/** Where a zone is and which labels count only inside it (fractions of the frame, like masks). */
export interface ObjectZoneView extends FrameRect {
  name: string;
  labels: string[];
}

/** GET/PATCH /api/cameras/:id/settings `objects`. */
export interface CameraObjectSettingsView {
  enabled: boolean;
  /** Kinds or labels that raise an alert. */
  alert: string[];
  /** 0.05..0.99: a detection below it is not a label. */
  minScore: number;
  zones: ObjectZoneView[];
}

export type CameraSettingsWithObjects = CameraSettingsView & { objects?: CameraObjectSettingsView };

/** Label names of a coverage marker, whichever shape the server sends them in. */
export function labelNames(marker: CoverageMarker): string[] {
  return (marker.labels ?? []).map((l) => (typeof l === 'string' ? l : l.label));
}
