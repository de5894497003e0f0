/** yuv420p frames built in memory for detector tests: a textured, slightly coloured, slightly noisy scene. */
export const frameWidth = 320;
export const frameHeight = 180;

export interface SceneFrameOptions {
  /** Added to every luma value (a light change). */
  brightness?: number;
  /** Multiplies luma around mid-grey (an exposure/contrast change). */
  gain?: number;
  /** Chroma forced to neutral: the IR switch. */
  greyscale?: boolean;
  /** Uniform noise amplitude (±) on every plane. */
  noise?: number;
  /** A solid box (luma, u, v) at pixel coordinates. */
  box?: { x: number; y: number; w: number; h: number; luma: number; u: number; v: number };
}

let seed = 12345;
function random(): number {
  // Deterministic LCG: tests must not flake on a lucky noise draw.
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

export function sceneFrame(options: SceneFrameOptions = {}): Uint8Array {
  const w = frameWidth;
  const h = frameHeight;
  const frame = new Uint8Array((w * h * 3) / 2);
  const gain = options.gain ?? 1;
  const brightness = options.brightness ?? 0;
  const noise = options.noise ?? 2;
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Texture: a grid, panels and a gradient, like a garden wall.
      let base = 70 + (x * 60) / w;
      if (x % 24 < 2 || y % 24 < 2) base = 180;
      if (x > 40 && x < 110 && y > 100 && y < 160) base = 40;
      if (x > 200 && x < 280 && y > 30 && y < 75) base = 200;
      const box = options.box;
      if (box && x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h) base = box.luma;
      const lit = (base - 128) * gain + 128 + brightness;
      frame[y * w + x] = clamp(lit + (random() * 2 - 1) * noise);
    }
  }
  const cw = w / 2;
  const ch = h / 2;
  const uBase = w * h;
  const vBase = uBase + cw * ch;
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let u = cx > 100 && cx < 140 && cy > 15 && cy < 37 ? 100 : 134;
      let v = cx > 100 && cx < 140 && cy > 15 && cy < 37 ? 160 : 122;
      const box = options.box;
      if (box && cx * 2 >= box.x && cx * 2 < box.x + box.w && cy * 2 >= box.y && cy * 2 < box.y + box.h) {
        u = box.u;
        v = box.v;
      }
      if (options.greyscale) {
        u = 128;
        v = 128;
      }
      frame[uBase + cy * cw + cx] = clamp(u + (random() * 2 - 1) * noise);
      frame[vBase + cy * cw + cx] = clamp(v + (random() * 2 - 1) * noise);
    }
  }
  return frame;
}
