/**
 * What the detector saw in an event, as small badges: the kind's icon, the label ("person",
 * "car", "dog") and its best score as a percentage. Icons are inline SVG: an emoji needs a
 * font the box may not have, and an image URL would be one more request per badge.
 */
import type { JSX } from 'preact';
import type { ObjectKind } from '../../../src/objects/labels.ts';
import type { EventLabelView } from '../types/objects.ts';
import './labelBadges.css';

const kindIcons: Record<ObjectKind, JSX.Element> = {
  person: (
    <>
      <circle cx="8" cy="3.5" r="2.5" />
      <path d="M4 15v-5a4 4 0 0 1 8 0v5z" />
    </>
  ),
  vehicle: (
    <>
      <path d="M1 11V8l2-4h10l2 4v3z" />
      <circle cx="4.5" cy="12" r="2" />
      <circle cx="11.5" cy="12" r="2" />
    </>
  ),
  animal: (
    <>
      <ellipse cx="8" cy="11" rx="3.5" ry="3" />
      <circle cx="3.5" cy="6.5" r="1.6" />
      <circle cx="6.5" cy="3.5" r="1.6" />
      <circle cx="9.5" cy="3.5" r="1.6" />
      <circle cx="12.5" cy="6.5" r="1.6" />
    </>
  ),
};

export function KindIcon({ kind }: { kind: ObjectKind | null }) {
  if (!kind) return null;
  return (
    <svg class="kind-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="currentColor">
      {kindIcons[kind]}
    </svg>
  );
}

/** A score 0..1 as the percentage a homeowner reads ("87 %"). */
export const percent = (score: number) => `${Math.round(score * 100)}%`;

export function LabelBadges({ labels }: { labels: readonly EventLabelView[] }) {
  if (labels.length === 0) return null;
  return (
    <span class="label-badges">
      {labels.map((l) => (
        <span key={l.label} class={`label-badge kind-${l.kind ?? 'other'}`} data-label={l.label} data-score={l.score} title={`${l.label}, best score ${percent(l.score)}`}>
          <KindIcon kind={l.kind} />
          {l.label} {percent(l.score)}
        </span>
      ))}
    </span>
  );
}
