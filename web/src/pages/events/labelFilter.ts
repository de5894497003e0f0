/**
 * The events page's "Seen" filter, kept in the URL as ?label= like the camera and the day:
 * '' (all), 'alert', a kind, or 'none' (motion the detector named nothing in). Each maps to
 * the API's query: `alert=1`, or `label=` with a kind or 'none' (src/http/API.md, events).
 */
import { objectKinds, type ObjectKind } from '../../../../src/objects/labels.ts';

export interface LabelFilter {
  /** The ?label= value ('' for all). */
  value: string;
  /** The option's text. */
  title: string;
  /** For "No … on this day": 'motion', 'alerts', 'person seen'. */
  noun: string;
  query: { label?: string[]; alert?: boolean };
}

const kindTitles: Record<ObjectKind, string> = { person: 'Person', vehicle: 'Vehicle', animal: 'Animal' };

export const labelFilters: readonly [LabelFilter, ...LabelFilter[]] = [
  { value: '', title: 'All', noun: 'motion', query: {} },
  { value: 'alert', title: 'Alerts', noun: 'alerts', query: { alert: true } },
  ...objectKinds.map((kind): LabelFilter => ({ value: kind, title: kindTitles[kind], noun: `${kind} seen`, query: { label: [kind] } })),
  { value: 'none', title: 'Motion only', noun: 'motion without a person, vehicle or animal', query: { label: ['none'] } },
];

/** An unknown ?label= (an old bookmark, a typo) shows everything rather than nothing. */
export function labelFilterOf(value: string | null): LabelFilter {
  return labelFilters.find((f) => f.value === (value ?? '')) ?? labelFilters[0];
}
