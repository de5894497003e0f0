/**
 * Which object kinds are present on each camera, from the motion notices (pure: no client here).
 * A kind is ON while an open event of the camera has a label of that kind, and OFF once no
 * open event has one. A kind first seen in an event's 'end' notice is pulsed ON then OFF,
 * so a Home Assistant automation on "person detected" still fires for it.
 */
import { kindOf, objectKinds, type ObjectKind } from '../objects/labels.ts';

export type Presence = 'ON' | 'OFF';

export interface PresenceNotice {
  type: 'start' | 'update' | 'end';
  cameraId: string;
  eventId: number;
  labels: readonly { label: string; score: number }[];
}

export interface PresenceStep {
  /** Retained state messages to publish, in order (a pulse is ON then OFF for one kind). */
  changes: { kind: ObjectKind; state: Presence }[];
  /** Kinds with a new label or a better score in this notice: its thumbnail is their new best frame. */
  improved: ObjectKind[];
}

/**
 * Bound on open events remembered per camera: one is normal, two overlap briefly across a
 * motion worker restart; an 'end' that never comes must not grow the map for ever.
 */
const maxOpenEventsPerCamera = 4;

export class ObjectPresence {
  /** camera → open event id → label → best score seen. */
  private readonly open = new Map<string, Map<number, Map<string, number>>>();

  state(cameraId: string, kind: ObjectKind): Presence {
    return this.kindsOn(cameraId).has(kind) ? 'ON' : 'OFF';
  }

  observe(notice: PresenceNotice): PresenceStep {
    const before = this.kindsOn(notice.cameraId);
    const events = this.open.get(notice.cameraId) ?? new Map<number, Map<string, number>>();
    this.open.set(notice.cameraId, events);
    const best = events.get(notice.eventId) ?? new Map<string, number>();
    const improvedKinds = new Set<ObjectKind>();
    const seenKinds = new Set<ObjectKind>();
    for (const { label, score } of notice.labels) {
      const kind = kindOf(label);
      if (kind === null) continue;
      seenKinds.add(kind);
      const previous = best.get(label);
      if (previous === undefined || score > previous) {
        best.set(label, score);
        improvedKinds.add(kind);
      }
    }
    if (notice.type === 'end') events.delete(notice.eventId);
    else {
      events.set(notice.eventId, best);
      for (const id of events.keys()) {
        if (events.size <= maxOpenEventsPerCamera) break;
        events.delete(id);
      }
    }
    if (events.size === 0) this.open.delete(notice.cameraId);
    const after = this.kindsOn(notice.cameraId);
    const changes: PresenceStep['changes'] = [];
    for (const kind of objectKinds) {
      const turnedOn = !before.has(kind) && (after.has(kind) || seenKinds.has(kind));
      if (turnedOn) changes.push({ kind, state: 'ON' });
      if ((before.has(kind) || turnedOn) && !after.has(kind)) changes.push({ kind, state: 'OFF' });
    }
    return { changes, improved: objectKinds.filter((kind) => improvedKinds.has(kind)) };
  }

  private kindsOn(cameraId: string): Set<ObjectKind> {
    const kinds = new Set<ObjectKind>();
    for (const labels of this.open.get(cameraId)?.values() ?? []) {
      for (const label of labels.keys()) {
        const kind = kindOf(label);
        if (kind !== null) kinds.add(kind);
      }
    }
    return kinds;
  }
}
