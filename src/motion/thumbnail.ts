/**
 * Event thumbnails and camera snapshots: the one module that wraps `sharp`.
 * Frames arrive as small yuv420p images from the motion decoder (the colour is kept
 * for exactly this), are converted to RGB here, outlined, and encoded as JPEG.
 * Files live at `<dataDir>/thumbnails/<camera>/<yyyy-mm-dd>/<eventId>.jpg` (UTC date of
 * the event start); rows store the path relative to the data dir, never an absolute one.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Rect } from './detector.ts';

/** A yuv420p frame (luma, then quarter-size U and V planes), as the motion decoder delivers it. */
export interface ColourFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

export const thumbnailWidth = 320;
/** Outline colour of the moved region: a saturated yellow that reads on grass, walls and night scenes. */
const outline: readonly [number, number, number] = [255, 220, 0];
const outlinePx = 2;

export function thumbnailRelativePath(cameraId: string, eventStartMs: number, eventId: number): string {
  const day = new Date(eventStartMs).toISOString().slice(0, 10);
  return path.posix.join('thumbnails', cameraId, day, `${eventId}.jpg`);
}

/** Writes the event thumbnail (replacing an earlier one atomically); returns its relative path. */
export async function writeEventThumbnail(input: {
  dataDir: string;
  cameraId: string;
  eventId: number;
  eventStartMs: number;
  frame: ColourFrame;
  region: Rect | null;
}): Promise<string> {
  const relative = thumbnailRelativePath(input.cameraId, input.eventStartMs, input.eventId);
  const file = path.join(input.dataDir, relative);
  const jpeg = await encodeFrame(input.frame, input.region);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
  // Write beside, then rename: the HTTP side never serves half a JPEG.
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, jpeg, { mode: 0o640 });
  renameSync(temporary, file);
  return relative;
}

/** A JPEG of the frame, at most `thumbnailWidth` wide, with `region` (0..1 coordinates) outlined. */
export async function encodeFrame(frame: ColourFrame, region: Rect | null): Promise<Buffer> {
  const rgb = yuv420ToRgb(frame);
  if (region) drawOutline(rgb, frame.width, frame.height, region);
  let image = sharp(rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (frame.width > thumbnailWidth) image = image.resize({ width: thumbnailWidth });
  return image.jpeg({ quality: 80 }).toBuffer();
}

/** BT.601 limited-range YUV → RGB (what H.264 cameras send). Runs per thumbnail, not per frame. */
export function yuv420ToRgb(frame: ColourFrame): Buffer {
  const { data, width, height } = frame;
  const rgb = Buffer.allocUnsafe(width * height * 3);
  const uPlane = width * height;
  const vPlane = uPlane + (width / 2) * (height / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (data[y * width + x]! - 16) * 1.164;
      const chroma = (y >> 1) * (width >> 1) + (x >> 1);
      const d = data[uPlane + chroma]! - 128;
      const e = data[vPlane + chroma]! - 128;
      const o = (y * width + x) * 3;
      rgb[o] = clampByte(c + 1.596 * e);
      rgb[o + 1] = clampByte(c - 0.392 * d - 0.813 * e);
      rgb[o + 2] = clampByte(c + 2.017 * d);
    }
  }
  return rgb;
}

function drawOutline(rgb: Buffer, width: number, height: number, region: Rect): void {
  const x0 = Math.max(0, Math.floor(region.x * width));
  const y0 = Math.max(0, Math.floor(region.y * height));
  const x1 = Math.min(width - 1, Math.ceil((region.x + region.w) * width) - 1);
  const y1 = Math.min(height - 1, Math.ceil((region.y + region.h) * height) - 1);
  const paint = (x: number, y: number): void => {
    const o = (y * width + x) * 3;
    rgb[o] = outline[0];
    rgb[o + 1] = outline[1];
    rgb[o + 2] = outline[2];
  };
  for (let t = 0; t < outlinePx; t++) {
    for (let x = x0; x <= x1; x++) {
      paint(x, Math.min(y1, y0 + t));
      paint(x, Math.max(y0, y1 - t));
    }
    for (let y = y0; y <= y1; y++) {
      paint(Math.min(x1, x0 + t), y);
      paint(Math.max(x0, x1 - t), y);
    }
  }
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}

/** Width, height and format of an encoded image: what tests and `hearth doctor` check. */
export async function imageInfo(file: string | Buffer): Promise<{ width: number; height: number; format: string }> {
  const meta = await sharp(file).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0, format: meta.format ?? 'unknown' };
}

/** An encoded image decoded to packed RGB: how tests (and the doctor) see what a thumbnail shows. */
export async function decodeRgb(file: string | Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
