/**
 * Which kinds (person, vehicle, animal) a setting names, as checkboxes. A setting may also
 * name single labels ("dog", from the config file or the API): those are shown checked
 * beside the kinds and stay until unchecked, so saving never drops what the page cannot draw.
 */
import { isObjectKind, objectKinds } from '../../../../src/objects/labels.ts';
import { KindIcon } from '../../components/labelBadges.tsx';

export function LabelChoices({ name, value, onChange, legend }: { name: string; value: readonly string[]; onChange: (next: string[]) => void; legend: string }) {
  const extra = value.filter((v) => !isObjectKind(v));
  const toggle = (label: string, on: boolean) => onChange(on ? [...value.filter((v) => v !== label), label] : value.filter((v) => v !== label));
  return (
    <fieldset class="label-choices" data-name={name}>
      <legend class="small muted">{legend}</legend>
      {[...objectKinds, ...extra].map((label) => (
        <label key={label} class="inline">
          <input type="checkbox" name={name} value={label} checked={value.includes(label)} onChange={(e) => toggle(label, e.currentTarget.checked)} />
          <KindIcon kind={isObjectKind(label) ? label : null} /> {label}
        </label>
      ))}
    </fieldset>
  );
}
