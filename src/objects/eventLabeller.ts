/**
 * Which detections become an event's labels, and which event alerts. Pure: the motion worker
 * feeds it what the detector found on each frame and writes what it answers.
 *
 * A detection counts when it is of a kind Hearth keeps, scores at least the camera's minimum,
 * overlaps what moved (a parked car beside a tree in the wind is not what moved), and, when a
 * zone names its label, stands in one of those zones (its box's bottom centre: where the feet
 * or the wheels are, as a person "in the driveway" means).
 */
import type { FrameRect } from '../wire/settings.ts';
import { kindOf, labelMatches, type ObjectKind } from './labels.ts';

export interface LabelZone extends FrameRect {
  name: string;
  labels: readonly string[];
}

export interface LabelRules {
  alert: readonly string[];
  minScore: number;
  zones: readonly LabelZone[];
}

export interface Sighting {
  label: string;
  score: number;
  box: FrameRect;
}

export interface EventLabel {
  label: string;
  kind: ObjectKind | null;
  score: number;
  box: FrameRect;
  atMs: number;
}

/** Part of a detection's box that must lie in the moved region for it to count. */
const minOverlapWithMotion = 0.2;

export function countsAsLabel(sighting: Sighting, moved: FrameRect, rules: LabelRules): boolean {
  if (kindOf(sighting.label) === null || sighting.score < rules.minScore) return false;
  if (overlapShare(sighting.box, moved) < minOverlapWithMotion) return false;
  const zones = rules.zones.filter((z) => labelMatches(sighting.label, z.labels));
  if (zones.length === 0) return true;
  const footX = sighting.box.x + sighting.box.w / 2;
  const footY = sighting.box.y + sighting.box.h;
  return zones.some((z) => footX >= z.x && footX <= z.x + z.w && footY >= z.y && footY <= z.y + z.h);
}

/** The share of `box`'s area inside `region`. */
function overlapShare(box: FrameRect, region: FrameRect): number {
  const w = Math.max(0, Math.min(box.x + box.w, region.x + region.w) - Math.max(box.x, region.x));
  const h = Math.max(0, Math.min(box.y + box.h, region.y + region.h) - Math.max(box.y, region.y));
  const area = box.w * box.h;
  return area > 0 ? (w * h) / area : 0;
}

/** One event's labels: the best sighting of each. */
export class EventLabels {
  private readonly best = new Map<string, EventLabel>();

  constructor(private readonly rules: LabelRules) {}

  /** Records a counted sighting; returns the label when it is new or scored higher than before. */
  offer(sighting: Sighting, atMs: number): EventLabel | null {
    const known = this.best.get(sighting.label);
    if (known && known.score >= sighting.score) return null;
    const label: EventLabel = { label: sighting.label, kind: kindOf(sighting.label), score: sighting.score, box: sighting.box, atMs };
    this.best.set(sighting.label, label);
    return label;
  }

  /** Best score first. */
  list(): EventLabel[] {
    return [...this.best.values()].sort((a, b) => b.score - a.score);
  }

  alert(): boolean {
    return [...this.best.values()].some((l) => labelMatches(l.label, this.rules.alert));
  }

  /**
   * Whether `label` now deserves the thumbnail: an alerting label beats any other, then the higher
   * score. The thumbnail shows what the household is told about, not the best-scored cat.
   */
  isThumbnailWorthy(label: EventLabel): boolean {
    const rank = (l: EventLabel): [number, number] => [labelMatches(l.label, this.rules.alert) ? 1 : 0, l.score];
    const [alertRank, score] = rank(label);
    return [...this.best.values()].every((other) => {
      if (other === label) return true;
      const [a, s] = rank(other);
      return alertRank > a || (alertRank === a && score >= s);
    });
  }
}
