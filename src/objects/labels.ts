/**
 * What the detector can name: the 80 COCO classes, and the three kinds a household asks
 * about (person, vehicle, animal). Labels are stored as COCO names ("car"); settings,
 * filters and MQTT sensors may name a kind instead, which stands for all of its labels.
 */

export const objectKinds = ['person', 'vehicle', 'animal'] as const;
export type ObjectKind = (typeof objectKinds)[number];

/** The model's class order (COCO 2017, 80 classes). */
export const cocoLabels = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
] as const;
export type CocoLabel = (typeof cocoLabels)[number];

const kindByLabel: ReadonlyMap<string, ObjectKind> = new Map<string, ObjectKind>([
  ['person', 'person'],
  ...(['bicycle', 'car', 'motorcycle', 'bus', 'truck', 'train', 'boat'] as const).map((l) => [l, 'vehicle'] as [string, ObjectKind]),
  ...(['bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'bear', 'elephant', 'zebra', 'giraffe'] as const).map((l) => [l, 'animal'] as [string, ObjectKind]),
]);

/** The labels Hearth keeps on events: those of a kind. The rest (a cup, a chair) are not what moved. */
export const eventLabels: readonly CocoLabel[] = cocoLabels.filter((l) => kindByLabel.has(l));

export function kindOf(label: string): ObjectKind | null {
  return kindByLabel.get(label) ?? null;
}

export function isObjectKind(name: string): name is ObjectKind {
  return (objectKinds as readonly string[]).includes(name);
}

/** A name a setting or a filter may use: a kind, or a label Hearth keeps. */
export function isLabelName(name: string): boolean {
  return isObjectKind(name) || (eventLabels as readonly string[]).includes(name);
}

/** Whether `label` (a COCO name) is what `names` (kinds and labels) asks for. */
export function labelMatches(label: string, names: readonly string[]): boolean {
  const kind = kindOf(label);
  return names.includes(label) || (kind !== null && names.includes(kind));
}
