/**
 * What object detection adds to the events and coverage answers (issue 17's contract, "HTTP
 * API"), as the web UI reads them: extensions of the shared wire types until src/wire/ has
 * these fields (the camera settings' `objects` is there already). Optional, so that events
 * from a server that sends no labels show as plain motion.
 */
import type { CoverageView, FrameRect, MotionEventView } from '../../../src/wire/index.ts';
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
 * A coverage marker may stand for several events: `labels` are the labels (COCO names) any of
 * them has, each once; `alert` whether any of them alerted.
 */
export type CoverageMarker = CoverageView['events'][number] & { labels?: string[]; alert?: boolean };
