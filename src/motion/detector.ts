/**
 * Frame-difference motion detector on the luma plane, allocation-free per frame: every
 * array is sized once for the frame size. Per frame:
 *  1. Light compensation: the median difference to the background is measured per
 *     brightness band (dark…bright), so a cloud, lights switching on or an exposure change
 *     shift the expected value of every pixel instead of flagging it.
 *  2. A pixel changed when its compensated difference exceeds a threshold that is the
 *     larger of a sensitivity floor and a multiple of the measured sensor noise, or when
 *     its colour (chroma, quarter resolution) changed likewise: a red coat on a grey
 *     street can have the street's brightness.
 *  3. Noise suppression: pixels are counted in 4×4 blocks; a block is active when enough
 *     of its pixels changed, and counts only with an active neighbour (an erosion).
 *     Luma is examined on a checkerboard (half the pixels): at 320 px an object the size
 *     of a cat still covers dozens of them, and the detector's cost halves.
 *  4. Motion when the surviving blocks cover the minimum area; when most of the frame
 *     changed at once (a lamp by the lens), or the picture lost or regained its colour
 *     (the camera's IR switch), the background is re-seeded instead.
 * Masks hide areas; zones, when given, are the only areas that count.
 */

/** A rectangle in 0..1 frame coordinates, as stored in `events.region` and configured for masks and zones. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DetectorOptions {
  width: number;
  height: number;
  fps: number;
  /** 1 (only large, clear motion) … 100 (the smallest change); the config's motion.sensitivity. */
  sensitivity: number;
  masks?: readonly Rect[];
  zones?: readonly Rect[];
}

/** The detector's verdict on one frame. One object, reused: copy what you keep. */
export interface FrameVerdict {
  motion: boolean;
  /** Changed area after noise suppression, as a fraction of the watched area (0..1). */
  score: number;
  /** Bounding box of the changed blocks in 0..1 coordinates; meaningful when score > 0. */
  regionX: number;
  regionY: number;
  regionW: number;
  regionH: number;
  /** True when the whole scene changed (light, IR) and the background was re-seeded. */
  globalChange: boolean;
}

export class DetectorOptionsError extends Error {
  override name = 'DetectorOptionsError';
}

const blockSize = 4;
const blockShift = 2;
const bandCount = 4;
const diffBins = 511;
/** Background time constant: slow enough that a walker is not absorbed, fast enough for dusk. */
const backgroundSeconds = 4;
/** Changed pixels adapt this many times slower, so a slow object stays visible... */
const foregroundSlowdown = 25;
/** ...but a pixel changed for this long is scenery now (a parked car, a ghost), and adapts normally. */
const foregroundMaxSeconds = 10;
/** More than this fraction of the watched pixels changing at once is light, not an object. */
const globalChangeFraction = 0.45;
/** Mean |U−128|+|V−128| below which a picture is treated as greyscale already. */
const minColourfulSaturation = 4;
/** Whole-frame colour falling below this fraction of the background's is an IR switch. */
const colourSwitchRatio = 0.4;
/** Frames after (re-)seeding during which nothing is reported: the model has no history yet. */
const warmupFrames = 2;

export class MotionDetector {
  readonly verdict: FrameVerdict = { motion: false, score: 0, regionX: 0, regionY: 0, regionW: 0, regionH: 0, globalChange: false };
  private readonly width: number;
  private readonly height: number;
  private readonly pixels: number;
  private readonly blocksX: number;
  private readonly blocksY: number;
  /** Luma background, 16.16 fixed point. */
  private readonly background: Int32Array;
  private readonly chromaWidth: number;
  private readonly chromaPixels: number;
  private readonly backgroundU: Int32Array;
  private readonly backgroundV: Int32Array;
  private readonly chromaChanged: Uint8Array;
  private readonly chromaHistogram = new Int32Array(256);
  private chromaNoise = 0;
  private readonly foregroundAge: Uint8Array;
  /** 1 where a pixel is watched (not masked, inside a zone if there are zones). */
  private readonly watched: Uint8Array;
  private readonly watchedCount: number;
  private readonly blockChanged: Uint16Array;
  /** Changed pixels a block needs to be active (0 = fully masked, never active). */
  private readonly blockNeed: Uint16Array;
  private readonly blockActive: Uint8Array;
  private readonly watchedBlocks: number;
  private readonly diffHistogram = new Int32Array(bandCount * diffBins);
  private readonly residualHistogram = new Int32Array(256);
  private readonly offsetByLevel = new Int16Array(256);
  private readonly bandMedian = new Float32Array(bandCount);
  private readonly bandSamples = new Int32Array(bandCount);
  private readonly alphaShift: number;
  private readonly foregroundShift: number;
  private readonly foregroundMaxFrames: number;
  private readonly thresholdFloor: number;
  private readonly noiseFactor: number;
  private readonly minBlocks: number;
  private noiseSigma = 0;
  private framesSinceSeed = -1;

  constructor(options: DetectorOptions) {
    const { width, height, fps, sensitivity } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width % 2 || height % 2) {
      throw new DetectorOptionsError(`frame size ${width}x${height} is too small for motion detection`);
    }
    if (!(fps > 0)) throw new DetectorOptionsError(`fps must be positive, got ${fps}`);
    if (!(sensitivity >= 1 && sensitivity <= 100)) throw new DetectorOptionsError(`sensitivity must be 1..100, got ${sensitivity}`);
    this.width = width;
    this.height = height;
    this.pixels = width * height;
    this.blocksX = Math.ceil(width / blockSize);
    this.blocksY = Math.ceil(height / blockSize);
    this.background = new Int32Array(this.pixels);
    this.chromaWidth = width >> 1;
    this.chromaPixels = (width >> 1) * (height >> 1);
    this.backgroundU = new Int32Array(this.chromaPixels);
    this.backgroundV = new Int32Array(this.chromaPixels);
    this.chromaChanged = new Uint8Array(this.chromaPixels);
    this.foregroundAge = new Uint8Array(this.pixels);
    this.watched = watchedPixels(width, height, options.masks ?? [], options.zones ?? []);
    this.watchedCount = 0;
    for (let y = 0; y < height; y++) for (let x = y & 1; x < width; x += 2) this.watchedCount += this.watched[y * width + x]!;
    if (this.watchedCount === 0) throw new DetectorOptionsError('masks and zones leave nothing of the frame to watch');
    const blocks = this.blocksX * this.blocksY;
    this.blockChanged = new Uint16Array(blocks);
    this.blockNeed = new Uint16Array(blocks);
    this.blockActive = new Uint8Array(blocks);
    const blockWatched = new Uint16Array(blocks);
    for (let y = 0; y < height; y++) {
      for (let x = y & 1; x < width; x += 2) if (this.watched[y * width + x]) blockWatched[(y >> blockShift) * this.blocksX + (x >> blockShift)]! += 1;
    }
    let watchedBlocks = 0;
    for (let b = 0; b < blocks; b++) {
      const n = blockWatched[b]!;
      // Partly masked blocks need proportionally fewer changed pixels, but always a few.
      this.blockNeed[b] = n === 0 ? 0 : Math.max(2, Math.ceil(n * 0.375));
      if (n > 0) watchedBlocks++;
    }
    this.watchedBlocks = watchedBlocks;

    const t = (sensitivity - 1) / 99;
    this.alphaShift = Math.max(1, Math.round(Math.log2(fps * backgroundSeconds)));
    this.foregroundShift = this.alphaShift + Math.round(Math.log2(foregroundSlowdown));
    this.foregroundMaxFrames = Math.min(254, Math.round(fps * foregroundMaxSeconds));
    this.thresholdFloor = 40 - 28 * t;
    this.noiseFactor = 4.5 - 2 * t;
    // Minimum changed area, as a fraction of the watched blocks: 0.2% of the frame at 1, 0.02% at 100.
    this.minBlocks = Math.max(2, Math.round(watchedBlocks * (0.002 - 0.0018 * t)));
  }

  /** Examines one yuv420p frame (luma plane, then the quarter-size U and V planes). */
  process(luma: Uint8Array): FrameVerdict {
    const v = this.verdict;
    v.motion = false;
    v.score = 0;
    v.globalChange = false;
    if (luma.length < this.pixels + 2 * this.chromaPixels) {
      throw new DetectorOptionsError(`frame has ${luma.length} bytes, expected a ${this.width}x${this.height} yuv420p frame`);
    }
    if (this.framesSinceSeed < 0) {
      this.seed(luma);
      return v;
    }
    this.measureLightShift(luma);
    if (this.classifyChroma(luma)) {
      this.seed(luma);
      v.globalChange = true;
      return v;
    }
    const threshold = Math.max(this.thresholdFloor, this.noiseFactor * this.noiseSigma);
    const changed = this.classifyPixels(luma, threshold);
    this.updateNoise();
    if (changed > this.watchedCount * globalChangeFraction) {
      this.seed(luma);
      v.globalChange = true;
      return v;
    }
    this.framesSinceSeed++;
    if (this.framesSinceSeed <= warmupFrames) return v;
    this.collectBlocks();
    v.motion = v.score > 0 && v.score * this.watchedBlocks >= this.minBlocks;
    return v;
  }

  /** Pass 1 (every other pixel and row): median luma shift per brightness band → an offset per level. */
  private measureLightShift(luma: Uint8Array): void {
    const hist = this.diffHistogram;
    hist.fill(0);
    this.bandSamples.fill(0);
    const { width, height, background, watched } = this;
    for (let y = 0; y < height; y += 2) {
      const row = y * width;
      for (let x = 0; x < width; x += 2) {
        const i = row + x;
        if (watched[i] === 0) continue;
        const bg = background[i]! >> 16;
        const band = bg >> 6;
        hist[band * diffBins + luma[i]! - bg + 255]! += 1;
        this.bandSamples[band]! += 1;
      }
    }
    let total = 0;
    for (let b = 0; b < bandCount; b++) total += this.bandSamples[b]!;
    const overall = medianOfBands(hist, 0, bandCount, total);
    for (let b = 0; b < bandCount; b++) {
      // Sparse bands are too easily dominated by an object: use the frame-wide shift there.
      this.bandMedian[b] = this.bandSamples[b]! >= 64 ? medianOfBands(hist, b, b + 1, this.bandSamples[b]!) : overall;
    }
    // Interpolate between band centres (32, 96, 160, 224) so the offset is smooth in level.
    for (let level = 0; level < 256; level++) {
      const position = Math.min(bandCount - 1, Math.max(0, (level - 32) / 64));
      const lower = Math.floor(position);
      const upper = Math.min(bandCount - 1, lower + 1);
      const f = position - lower;
      this.offsetByLevel[level] = Math.round(this.bandMedian[lower]! * (1 - f) + this.bandMedian[upper]! * f);
    }
  }

  /**
   * Pass 2: threshold each pixel, count changed pixels per block, adapt the background.
   * The hot loop of motion, so integers only: the background is luma in 16.16 fixed point
   * and adapts by shifts (an exponential average with alpha = 2^-shift).
   */
  private classifyPixels(luma: Uint8Array, threshold: number): number {
    const { width, height, background, watched, foregroundAge, offsetByLevel, blockChanged, residualHistogram, chromaChanged, chromaWidth } = this;
    const blocksX = this.blocksX;
    const shift = this.alphaShift;
    const slowShift = this.foregroundShift;
    const maxAge = this.foregroundMaxFrames;
    const limit = threshold | 0;
    blockChanged.fill(0);
    residualHistogram.fill(0);
    let changed = 0;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      const blockRow = (y >> blockShift) * blocksX;
      const chromaRow = (y >> 1) * chromaWidth;
      const sampleRow = (y & 1) === 0;
      for (let x = y & 1; x < width; x += 2) {
        const i = row + x;
        const value = luma[i]!;
        const bg = background[i]!;
        const delta = (value << 16) - bg;
        if (watched[i] === 0) {
          background[i] = bg + (delta >> shift);
          continue;
        }
        const level = bg >> 16;
        let residual = value - level - offsetByLevel[level]!;
        if (residual < 0) residual = -residual;
        if (sampleRow) residualHistogram[residual > 255 ? 255 : residual]! += 1;
        if (residual > limit || chromaChanged[chromaRow + (x >> 1)] === 1) {
          changed++;
          blockChanged[blockRow + (x >> blockShift)]! += 1;
          const age = foregroundAge[i]!;
          if (age < 255) foregroundAge[i] = age + 1;
          background[i] = bg + (delta >> (age > maxAge ? shift : slowShift));
        } else {
          if (foregroundAge[i] !== 0) foregroundAge[i] = 0;
          background[i] = bg + (delta >> shift);
        }
      }
    }
    return changed;
  }

  /**
   * Pass 1b, on the quarter-size colour planes: marks pixels whose colour changed, adapts
   * the colour background, and reports a colour↔greyscale switch (true: re-seed).
   */
  private classifyChroma(frame: Uint8Array): boolean {
    const { width, chromaWidth, chromaPixels, backgroundU, backgroundV, chromaChanged, chromaHistogram, watched, foregroundAge } = this;
    const uBase = this.pixels;
    const vBase = uBase + chromaPixels;
    const threshold = Math.max(this.thresholdFloor * 0.9, this.noiseFactor * 1.3 * this.chromaNoise);
    const shift = this.alphaShift;
    const slowShift = this.foregroundShift;
    const maxAge = this.foregroundMaxFrames;
    chromaHistogram.fill(0);
    let frameSaturation = 0;
    let backgroundSaturation = 0;
    let counted = 0;
    const chromaHeight = chromaPixels / chromaWidth;
    for (let cy = 0; cy < chromaHeight; cy++) {
      const lumaRow = 2 * cy * width;
      // Statistics (noise, saturation) from every other row are plenty and half the price.
      const sampleRow = (cy & 1) === 0;
      for (let cx = 0; cx < chromaWidth; cx++) {
        const c = cy * chromaWidth + cx;
        const lumaIndex = lumaRow + 2 * cx;
        const u = frame[uBase + c]!;
        const v = frame[vBase + c]!;
        const bu = backgroundU[c]!;
        const bv = backgroundV[c]!;
        const du = u - (bu >> 16);
        const dv = v - (bv >> 16);
        const residual = (du < 0 ? -du : du) + (dv < 0 ? -dv : dv);
        let changed = 0;
        if (watched[lumaIndex] === 1) {
          if (sampleRow) {
            counted++;
            const su = u - 128;
            const sv = v - 128;
            const sbu = (bu >> 16) - 128;
            const sbv = (bv >> 16) - 128;
            frameSaturation += (su < 0 ? -su : su) + (sv < 0 ? -sv : sv);
            backgroundSaturation += (sbu < 0 ? -sbu : sbu) + (sbv < 0 ? -sbv : sbv);
            chromaHistogram[residual > 255 ? 255 : residual]! += 1;
          }
          if (residual > threshold) changed = 1;
        }
        chromaChanged[c] = changed;
        const s = changed === 1 && foregroundAge[lumaIndex]! <= maxAge ? slowShift : shift;
        backgroundU[c] = bu + (((u << 16) - bu) >> s);
        backgroundV[c] = bv + (((v << 16) - bv) >> s);
      }
    }
    let seen = 0;
    for (let r = 0; r < 256; r++) {
      seen += chromaHistogram[r]!;
      if (seen >= counted / 2) {
        this.chromaNoise = this.chromaNoise === 0 ? r + 0.5 : this.chromaNoise + 0.1 * (r + 0.5 - this.chromaNoise);
        break;
      }
    }
    // Colour collapsing to grey (or coming back) across the whole picture is the IR cut filter.
    const meanFrame = frameSaturation / Math.max(1, counted);
    const meanBackground = backgroundSaturation / Math.max(1, counted);
    const colourful = Math.max(meanFrame, meanBackground) >= minColourfulSaturation;
    return colourful && (meanFrame < meanBackground * colourSwitchRatio || meanBackground < meanFrame * colourSwitchRatio);
  }

  /** Sensor noise from the median residual (σ ≈ 1.4826·MAD), smoothed over a few seconds. */
  private updateNoise(): void {
    let total = 0;
    for (let r = 0; r < 256; r++) total += this.residualHistogram[r]!;
    const half = total / 2;
    let seen = 0;
    let median = 0;
    for (let r = 0; r < 256; r++) {
      seen += this.residualHistogram[r]!;
      if (seen >= half) {
        median = r + 0.5;
        break;
      }
    }
    const sigma = 1.4826 * median;
    this.noiseSigma = this.noiseSigma === 0 ? sigma : this.noiseSigma + 0.1 * (sigma - this.noiseSigma);
  }

  /** Pass 3: active blocks with an active neighbour; their count and bounding box. */
  private collectBlocks(): void {
    const { blocksX, blocksY, blockChanged, blockNeed, blockActive } = this;
    const blocks = blocksX * blocksY;
    for (let b = 0; b < blocks; b++) {
      const need = blockNeed[b]!;
      blockActive[b] = need > 0 && blockChanged[b]! >= need ? 1 : 0;
    }
    let kept = 0;
    let minX = blocksX;
    let minY = blocksY;
    let maxX = -1;
    let maxY = -1;
    for (let by = 0; by < blocksY; by++) {
      for (let bx = 0; bx < blocksX; bx++) {
        if (blockActive[by * blocksX + bx] === 0 || !this.hasActiveNeighbour(bx, by)) continue;
        kept++;
        if (bx < minX) minX = bx;
        if (bx > maxX) maxX = bx;
        if (by < minY) minY = by;
        if (by > maxY) maxY = by;
      }
    }
    const v = this.verdict;
    v.score = kept / this.watchedBlocks;
    if (kept === 0) return;
    v.regionX = (minX * blockSize) / this.width;
    v.regionY = (minY * blockSize) / this.height;
    v.regionW = Math.min(1 - v.regionX, ((maxX - minX + 1) * blockSize) / this.width);
    v.regionH = Math.min(1 - v.regionY, ((maxY - minY + 1) * blockSize) / this.height);
  }

  private hasActiveNeighbour(bx: number, by: number): boolean {
    const { blocksX, blocksY, blockActive } = this;
    for (let dy = -1; dy <= 1; dy++) {
      const y = by + dy;
      if (y < 0 || y >= blocksY) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const x = bx + dx;
        if ((dx !== 0 || dy !== 0) && x >= 0 && x < blocksX && blockActive[y * blocksX + x] === 1) return true;
      }
    }
    return false;
  }

  private seed(luma: Uint8Array): void {
    for (let i = 0; i < this.pixels; i++) this.background[i] = luma[i]! << 16;
    for (let c = 0; c < this.chromaPixels; c++) {
      this.backgroundU[c] = luma[this.pixels + c]! << 16;
      this.backgroundV[c] = luma[this.pixels + this.chromaPixels + c]! << 16;
    }
    this.chromaChanged.fill(0);
    this.foregroundAge.fill(0);
    this.framesSinceSeed = 0;
  }
}

function medianOfBands(hist: Int32Array, fromBand: number, toBand: number, total: number): number {
  if (total === 0) return 0;
  const half = total / 2;
  let seen = 0;
  for (let bin = 0; bin < diffBins; bin++) {
    for (let b = fromBand; b < toBand; b++) seen += hist[b * diffBins + bin]!;
    if (seen >= half) return bin - 255;
  }
  return 0;
}

function watchedPixels(width: number, height: number, masks: readonly Rect[], zones: readonly Rect[]): Uint8Array {
  const watched = new Uint8Array(width * height).fill(zones.length > 0 ? 0 : 1);
  const paint = (rect: Rect, value: number): void => {
    const x0 = Math.max(0, Math.floor(rect.x * width));
    const y0 = Math.max(0, Math.floor(rect.y * height));
    const x1 = Math.min(width, Math.ceil((rect.x + rect.w) * width));
    const y1 = Math.min(height, Math.ceil((rect.y + rect.h) * height));
    for (let y = y0; y < y1; y++) watched.fill(value, y * width + x0, y * width + x1);
  };
  for (const zone of zones) paint(zone, 1);
  for (const mask of masks) paint(mask, 0);
  return watched;
}

/** The verdict's region as a plain object (allocates: call on event updates, not per frame). */
export function verdictRegion(v: FrameVerdict): Rect {
  const round = (n: number): number => Math.round(n * 10_000) / 10_000;
  return { x: round(v.regionX), y: round(v.regionY), w: round(v.regionW), h: round(v.regionH) };
}
