/**
 * NanoDet's outputs to boxes: per stride (8, 16, 32 px) a grid of 80 class scores (already
 * sigmoid) and, per side (left, top, right, bottom), 11 logits over distances 0..10 strides
 * (Generalized Focal Loss: the distance is the softmax's expectation). Then per-class NMS.
 * Only the classes Hearth keeps on events are decoded.
 */
import { cocoLabels, eventLabels, type CocoLabel } from './labels.ts';

export interface RawDetection {
  label: CocoLabel;
  score: number;
  /** Model input pixels. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const bins = 11;
const keptClasses = eventLabels.map((l) => cocoLabels.indexOf(l));
const iouLimit = 0.5;
const maxDetections = 20;

/** `outputs`: tensor name → data; scores are [n × 80], distances [n × 44] for n = (size / stride)². */
export function decodeNanodet(outputs: ReadonlyArray<{ data: Float32Array; dims: readonly number[] }>, inputSize: number, minScore: number): RawDetection[] {
  const scores = outputs.filter((o) => o.dims.at(-1) === cocoLabels.length);
  const dists = outputs.filter((o) => o.dims.at(-1) === 4 * bins);
  const found: RawDetection[] = [];
  const softmax = new Float64Array(bins);
  for (const s of scores) {
    const n = s.dims.at(-2)!;
    const d = dists.find((o) => o.dims.at(-2) === n);
    const grid = Math.round(Math.sqrt(n));
    if (!d || grid * grid !== n) continue;
    const stride = inputSize / grid;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestScore = minScore;
      for (const c of keptClasses) {
        const v = s.data[i * cocoLabels.length + c]!;
        if (v >= bestScore) {
          bestScore = v;
          best = c;
        }
      }
      if (best < 0) continue;
      const cx = ((i % grid) + 0.5) * stride;
      const cy = (Math.floor(i / grid) + 0.5) * stride;
      const side = (k: number): number => {
        const base = i * 4 * bins + k * bins;
        let max = -Infinity;
        for (let j = 0; j < bins; j++) max = Math.max(max, d.data[base + j]!);
        let sum = 0;
        for (let j = 0; j < bins; j++) sum += softmax[j] = Math.exp(d.data[base + j]! - max);
        let expectation = 0;
        for (let j = 0; j < bins; j++) expectation += (j * softmax[j]!) / sum;
        return expectation * stride;
      };
      found.push({ label: cocoLabels[best]!, score: bestScore, x0: cx - side(0), y0: cy - side(1), x1: cx + side(2), y1: cy + side(3) });
    }
  }
  return nonMaxSuppression(found);
}

function nonMaxSuppression(found: RawDetection[]): RawDetection[] {
  found.sort((a, b) => b.score - a.score);
  const kept: RawDetection[] = [];
  for (const candidate of found) {
    if (kept.length >= maxDetections) break;
    if (kept.some((k) => k.label === candidate.label && iou(k, candidate) > iouLimit)) continue;
    kept.push(candidate);
  }
  return kept;
}

function iou(a: RawDetection, b: RawDetection): number {
  const w = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const h = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const inter = w * h;
  const union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return union > 0 ? inter / union : 0;
}
