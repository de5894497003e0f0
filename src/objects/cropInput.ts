/**
 * Turns a motion frame (yuv420p, the motion decoder's) into the detector's input: the moved
 * region with a margin, letterboxed into the model's square, as planar RGB floats. Done in
 * the detector's worker so the motion thread only copies bytes.
 */
import type { FrameRect } from '../wire/settings.ts';

export interface YuvFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Where a crop sits in the frame (pixels) and how it maps into the model's square. */
export interface CropPlacement {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Model pixels per frame pixel. */
  scale: number;
  /** Letterbox offset inside the model input, model pixels. */
  padX: number;
  padY: number;
}

/**
 * The square-ish crop around `region` (fractions of the frame) the detector looks at: the region
 * grown by half its size on every side (a person is easier to name with some of the ground and
 * wall around), at least `minSide` of the frame's shorter side, kept inside the frame.
 */
export function cropAround(region: FrameRect, frameWidth: number, frameHeight: number, minSide = 0.5): { x: number; y: number; w: number; h: number } {
  const rw = region.w * frameWidth;
  const rh = region.h * frameHeight;
  const side = Math.max(rw * 2, rh * 2, minSide * Math.min(frameWidth, frameHeight));
  const w = Math.min(frameWidth, Math.max(side, rw * 2));
  const h = Math.min(frameHeight, Math.max(side, rh * 2));
  const cx = (region.x + region.w / 2) * frameWidth;
  const cy = (region.y + region.h / 2) * frameHeight;
  const x = Math.min(Math.max(0, cx - w / 2), frameWidth - w);
  const y = Math.min(Math.max(0, cy - h / 2), frameHeight - h);
  return { x: Math.round(x), y: Math.round(y), w: Math.round(w), h: Math.round(h) };
}

/**
 * Writes the crop into `out` (3 × size × size floats: B, G, R planes normalised as NanoDet was
 * trained, (value − mean) / std; the letterbox is mid grey) with bilinear sampling, and returns
 * where it went. BT.601 limited-range YUV, as cameras send. Measured on real footage, this
 * input scores people 0.05–0.1 higher than plain RGB in 0..1.
 */
export function letterboxInput(frame: YuvFrame, crop: { x: number; y: number; w: number; h: number }, size: number, out: Float32Array): CropPlacement {
  const scale = Math.min(size / crop.w, size / crop.h);
  const dw = Math.round(crop.w * scale);
  const dh = Math.round(crop.h * scale);
  const padX = Math.floor((size - dw) / 2);
  const padY = Math.floor((size - dh) / 2);
  const plane = size * size;
  out.fill(grey[0], 0, plane).fill(grey[1], plane, 2 * plane).fill(grey[2], 2 * plane);
  const { data, width, height } = frame;
  const cw = width >> 1;
  const uOffset = width * height;
  const vOffset = uOffset + cw * (height >> 1);
  for (let oy = 0; oy < dh; oy++) {
    const sy = Math.min(height - 1, Math.max(0, crop.y + (oy + 0.5) / scale - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(height - 1, y0 + 1);
    const fy = sy - y0;
    const cyRow = Math.min((height >> 1) - 1, sy >> 1) * cw;
    for (let ox = 0; ox < dw; ox++) {
      const sx = Math.min(width - 1, Math.max(0, crop.x + (ox + 0.5) / scale - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(width - 1, x0 + 1);
      const fx = sx - x0;
      const top = data[y0 * width + x0]! * (1 - fx) + data[y0 * width + x1]! * fx;
      const bottom = data[y1 * width + x0]! * (1 - fx) + data[y1 * width + x1]! * fx;
      const luma = 1.164 * (top * (1 - fy) + bottom * fy - 16);
      const c = cyRow + Math.min(cw - 1, sx >> 1);
      const u = data[uOffset + c]! - 128;
      const v = data[vOffset + c]! - 128;
      const i = (padY + oy) * size + padX + ox;
      out[i] = (clamp255(luma + 2.017 * u) - mean[0]) / std[0];
      out[plane + i] = (clamp255(luma - 0.392 * u - 0.813 * v) - mean[1]) / std[1];
      out[2 * plane + i] = (clamp255(luma + 1.596 * v) - mean[2]) / std[2];
    }
  }
  return { ...crop, scale, padX, padY };
}

/** A box in model pixels back to fractions of the frame. */
export function boxToFrame(box: { x0: number; y0: number; x1: number; y1: number }, placement: CropPlacement, frameWidth: number, frameHeight: number): FrameRect {
  const fx = (v: number): number => Math.min(frameWidth, Math.max(0, placement.x + (v - placement.padX) / placement.scale));
  const fy = (v: number): number => Math.min(frameHeight, Math.max(0, placement.y + (v - placement.padY) / placement.scale));
  const x0 = fx(box.x0);
  const y0 = fy(box.y0);
  const round = (n: number): number => Math.round(n * 10_000) / 10_000;
  return { x: round(x0 / frameWidth), y: round(y0 / frameHeight), w: round((fx(box.x1) - x0) / frameWidth), h: round((fy(box.y1) - y0) / frameHeight) };
}

/** NanoDet's training normalisation, B, G, R. */
const mean = [103.53, 116.28, 123.675] as const;
const std = [57.375, 57.12, 58.395] as const;
const grey = [0, 1, 2].map((c) => (128 - mean[c as 0 | 1 | 2]) / std[c as 0 | 1 | 2]) as [number, number, number];

function clamp255(n: number): number {
  return n < 0 ? 0 : n > 255 ? 255 : n;
}
