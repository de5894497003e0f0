/**
 * Suggested masks: the learned nuisance regions an admin has not dealt with yet. A region
 * mostly under a mask already (kept) or mostly inside one the admin dropped is not offered.
 *
 * Dropping only hides the suggestion. Motion keeps leaving the region out while it keeps
 * changing: a place that changed in nearly every second of the last 12 s carries no
 * visitor to find, and counting it would open an event at every tick. A region that
 * stops changing is released by the learner (30 s) whether it was dropped or not.
 */
import type { Rect } from './watchArea.ts';

/** Share of a suggestion's area that a mask or a dropped region must cover to hide it. */
const coveredShare = 0.6;

export function suggestedMasks(learned: readonly Rect[], masks: readonly Rect[], dropped: readonly Rect[]): Rect[] {
  return learned.filter((r) => !masks.some((m) => covers(m, r)) && !dropped.some((d) => covers(d, r) || covers(r, d)));
}

/** True when `outer` covers at least `coveredShare` of `inner`. */
export function covers(outer: Rect, inner: Rect): boolean {
  const w = Math.min(outer.x + outer.w, inner.x + inner.w) - Math.max(outer.x, inner.x);
  const h = Math.min(outer.y + outer.h, inner.y + inner.h) - Math.max(outer.y, inner.y);
  if (w <= 0 || h <= 0) return false;
  const area = inner.w * inner.h;
  return area > 0 && (w * h) / area >= coveredShare;
}

/** The lines to add under a config camera's `motion:` to keep suggestions as masks. */
export function masksYaml(cameraId: string, masks: readonly Rect[]): string {
  const lines = [`  - id: ${cameraId}`, '    motion:', '      masks:'];
  for (const m of masks) lines.push(`        - { x: ${m.x}, y: ${m.y}, w: ${m.w}, h: ${m.h} }`);
  return lines.join('\n');
}
