/**
 * Object detection for one camera's motion events: while an event is open, frames where motion
 * was found are sent to the box's detector (at most `fps` a second, one at a time per camera, the
 * moved region cropped with a margin), and what comes back is turned into the event's labels.
 * The motion worker writes the rows, the thumbnail and the notices (cameraMotion.ts).
 */
import type { Logger } from '../log.ts';
import { cropAround } from '../objects/cropInput.ts';
import { countsAsLabel, EventLabels, type EventLabel, type LabelRules } from '../objects/eventLabeller.ts';
import type { ObjectDetector } from '../objects/objectDetector.ts';
import type { Rect } from './detector.ts';
import type { ColourFrame } from './thumbnail.ts';

export interface LabelChange {
  eventId: number;
  /** The label that is new or scored higher. */
  label: EventLabel;
  labels: EventLabel[];
  alert: boolean;
  /** The frame it was seen on, when it now deserves the thumbnail. */
  thumbnailFrame: ColourFrame | null;
}

export interface ObjectWatchOptions {
  cameraId: string;
  detector: ObjectDetector;
  rules: LabelRules;
  /** Frames classified per second while motion lasts. */
  fps: number;
  log: Logger;
  onChange(change: LabelChange): void;
}

export class ObjectWatch {
  private eventId: number | null = null;
  private labels: EventLabels | null = null;
  private busy = false;
  private lastSentMs = -Infinity;

  constructor(private readonly options: ObjectWatchOptions) {}

  eventStarted(eventId: number): void {
    this.eventId = eventId;
    this.labels = new EventLabels(this.options.rules);
    this.lastSentMs = -Infinity;
  }

  /** The event's labels and alert as they stand; the event is forgotten (a late answer is ignored). */
  eventEnded(): { labels: EventLabel[]; alert: boolean } {
    const result = { labels: this.labels?.list() ?? [], alert: this.labels?.alert() ?? false };
    this.eventId = null;
    this.labels = null;
    return result;
  }

  current(): { labels: EventLabel[]; alert: boolean } {
    return { labels: this.labels?.list() ?? [], alert: this.labels?.alert() ?? false };
  }

  /** A frame with motion in `moved`, during the open event; copied only when it is sent. */
  frame(frame: Uint8Array, width: number, height: number, frameBytes: number, wallMs: number, moved: Rect): void {
    const eventId = this.eventId;
    if (eventId === null || this.busy || wallMs - this.lastSentMs < 1000 / this.options.fps) return;
    this.busy = true;
    this.lastSentMs = wallMs;
    const copy = frame.slice(0, frameBytes);
    const crop = cropAround(moved, width, height);
    const cropShare = { x: crop.x / width, y: crop.y / height, w: crop.w / width, h: crop.h / height };
    const movedCopy = { ...moved };
    void this.options.detector
      .detect({ cameraId: this.options.cameraId, frame: copy, width, height, crop: cropShare, minScore: this.options.rules.minScore })
      .then((result) => {
        if (!result || this.eventId !== eventId || !this.labels) return;
        for (const sighting of result.objects) {
          if (!countsAsLabel(sighting, movedCopy, this.options.rules)) continue;
          const label = this.labels.offer(sighting, wallMs);
          if (!label) continue;
          const worthy = this.labels.isThumbnailWorthy(label);
          this.options.onChange({
            eventId,
            label,
            labels: this.labels.list(),
            alert: this.labels.alert(),
            thumbnailFrame: worthy ? { data: copy, width, height } : null,
          });
        }
      })
      .catch((error: unknown) => {
        this.options.log.warn('object detection failed on a frame', { event: 'objects.frame_failed', error: (error as Error).message });
      })
      .finally(() => {
        this.busy = false;
      });
  }
}
