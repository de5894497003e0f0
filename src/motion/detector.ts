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
 *     The noise threshold follows rising noise at once and is raised further during a
 *     burst (noise well above the scene's usual), and a frame whose own noise needed more
 *     than the threshold it got, or a burst frame with grain everywhere, reports nothing.
 *  3. Noise suppression: pixels are counted in 4×4 blocks; a block is active when enough
 *     of its pixels changed, and counts only with an active neighbour (an erosion).
 *     Luma is examined on a checkerboard (half the pixels): at 320 px an object the size
 *     of a cat still covers dozens of them, and the detector's cost halves. Blocks in
 *     learned nuisance regions (a burnt-in clock, a ticker, an LED) are left out.
 *  4. Motion when the surviving blocks cover the minimum area; when most of the frame
 *     changed at once (a lamp by the lens), or the picture lost or regained its colour
 *     (the camera's IR switch), the background is re-seeded instead.
 * Masks hide areas; zones, when given, are the only areas that count.
 * This file holds the per-pixel pass and the background; step 1 is lightShift.ts, the
 * colour half of step 2 and the IR check chromaChange.ts, step 3 changedBlocks.ts and
 * nuisanceRegions.ts, and the masks and zones watchArea.ts.
 */
import type { FrameVerdict } from './frameVerdict.ts';
import { ChangedBlocks, blockShift } from './changedBlocks.ts';
import { ChromaChange } from './chromaChange.ts';
import { LightShift } from './lightShift.ts';
import { NuisanceRegions } from './nuisanceRegions.ts';
import { watchedPixels, type Rect } from './watchArea.ts';

export type { FrameVerdict } from './frameVerdict.ts';

export type { Rect } from './watchArea.ts';

export interface DetectorOptions {
  width: number;
  height: number;
  fps: number;
  /** 1 (only large, clear motion) … 100 (the smallest change); the config's motion.sensitivity. */
  sensitivity: number;
  masks?: readonly Rect[];
  zones?: readonly Rect[];
}

export class DetectorOptionsError extends Error {
  override name = 'DetectorOptionsError';
}

/** Background time constant: slow enough that a walker is not absorbed, fast enough for dusk. */
const backgroundSeconds = 4;
/** Changed pixels adapt this many times slower, so a slow object stays visible... */
const foregroundSlowdown = 25;
/** ...but a pixel changed for this long is scenery now (a parked car, a ghost), and adapts normally. */
const foregroundMaxSeconds = 10;
/** More than this fraction of the watched pixels changing at once is light, not an object. */
const globalChangeFraction = 0.45;
/** A frame whose own noise asks for a threshold this much above the one used is a noise burst's start. */
const noiseJumpMargin = 1.2;
/** Noise this many times the scene's usual is a burst… */
const burstSigmaRatio = 2.5;
/** …during which the noise threshold is this much higher. */
const burstThresholdFactor = 1.6;
/** In a burst, a frame with more than this fraction of the watched pixels changed is all grain. */
const burstChangedFraction = 0.05;
/** Frames after (re-)seeding during which nothing is reported: the model has no history yet. */
const warmupFrames = 2;

export class MotionDetector {
  readonly verdict: FrameVerdict = { motion: false, score: 0, regionX: 0, regionY: 0, regionW: 0, regionH: 0, globalChange: false };
  private readonly width: number;
  private readonly height: number;
  private readonly pixels: number;
  /** Luma background, 16.16 fixed point. */
  private readonly background: Int32Array;
  private readonly foregroundAge: Uint8Array;
  /** 1 where a pixel is watched (not masked, inside a zone if there are zones). */
  private readonly watched: Uint8Array;
  private readonly watchedCount: number;
  private readonly light: LightShift;
  private readonly chroma: ChromaChange;
  private readonly blocks: ChangedBlocks;
  /** Learned places that change all the time (a clock, a ticker, an LED): left out like masks. */
  readonly nuisance: NuisanceRegions;
  private readonly residualHistogram = new Int32Array(256);
  private readonly alphaShift: number;
  private readonly foregroundShift: number;
  private readonly foregroundMaxFrames: number;
  private readonly thresholdFloor: number;
  private readonly noiseFactor: number;
  private readonly minBlocks: number;
  private noiseSigma = 0;
  /** The scene's usual noise: follows σ slowly and only outside bursts. */
  private quietSigma = 0;
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
    this.background = new Int32Array(this.pixels);
    this.foregroundAge = new Uint8Array(this.pixels);
    this.watched = watchedPixels(width, height, options.masks ?? [], options.zones ?? []);
    this.watchedCount = 0;
    for (let y = 0; y < height; y++) for (let x = y & 1; x < width; x += 2) this.watchedCount += this.watched[y * width + x]!;
    if (this.watchedCount === 0) throw new DetectorOptionsError('masks and zones leave nothing of the frame to watch');
    this.blocks = new ChangedBlocks(width, height, this.watched);
    this.nuisance = new NuisanceRegions({ blocksX: this.blocks.blocksX, blocksY: this.blocks.blocksY, fps });

    const t = (sensitivity - 1) / 99;
    this.alphaShift = Math.max(1, Math.round(Math.log2(fps * backgroundSeconds)));
    this.foregroundShift = this.alphaShift + Math.round(Math.log2(foregroundSlowdown));
    this.foregroundMaxFrames = Math.min(254, Math.round(fps * foregroundMaxSeconds));
    this.thresholdFloor = 40 - 28 * t;
    this.noiseFactor = 4.5 - 2 * t;
    // Minimum changed area, as a fraction of the watched blocks: 0.2% of the frame at 1, 0.02% at 100.
    this.minBlocks = Math.max(2, Math.round(this.blocks.watchedBlocks * (0.002 - 0.0018 * t)));
    this.light = new LightShift(width, height, this.background, this.watched);
    this.chroma = new ChromaChange({
      width,
      height,
      watched: this.watched,
      foregroundAge: this.foregroundAge,
      thresholdFloor: this.thresholdFloor,
      noiseFactor: this.noiseFactor,
      shift: this.alphaShift,
      slowShift: this.foregroundShift,
      maxAge: this.foregroundMaxFrames,
    });
  }

  /** Examines one yuv420p frame (luma plane, then the quarter-size U and V planes). */
  process(luma: Uint8Array): FrameVerdict {
    const v = this.verdict;
    v.motion = false;
    v.score = 0;
    v.globalChange = false;
    if (luma.length < this.pixels + 2 * this.chroma.planePixels) {
      throw new DetectorOptionsError(`frame has ${luma.length} bytes, expected a ${this.width}x${this.height} yuv420p frame`);
    }
    if (this.framesSinceSeed < 0) {
      this.seed(luma);
      return v;
    }
    this.light.measure(luma);
    if (this.chroma.classify(luma)) {
      this.seed(luma);
      v.globalChange = true;
      return v;
    }
    // In a noise burst the grain's tail is longer than its median says (the encoder turns
    // it into blocks): the threshold is raised for as long as the burst lasts.
    const burst = this.quietSigma > 0 && this.noiseSigma > burstSigmaRatio * this.quietSigma;
    const threshold = Math.max(this.thresholdFloor, this.noiseFactor * this.noiseSigma * (burst ? burstThresholdFactor : 1));
    const changed = this.classifyPixels(luma, threshold);
    const frameSigma = this.updateNoise();
    // This frame's own noise needed a higher threshold than the one used: a noise burst
    // (or the encoder starving on one) has begun, and what "changed" is grain, not objects.
    const noiseJump = this.noiseFactor * frameSigma > threshold * noiseJumpMargin;

    if (!noiseJump && !burst) this.quietSigma = this.quietSigma === 0 ? frameSigma : this.quietSigma + 0.02 * (frameSigma - this.quietSigma);
    if (changed > this.watchedCount * globalChangeFraction) {
      this.seed(luma);
      v.globalChange = true;
      return v;
    }
    this.framesSinceSeed++;
    this.blocks.markActive();
    // Grain over a large part of the picture during a burst: no object to see in this frame.
    if (noiseJump || (burst && changed > this.watchedCount * burstChangedFraction)) return v;
    this.nuisance.observe(this.blocks.active, this.blocks.changed, this.blocks.need);
    if (this.framesSinceSeed <= warmupFrames) return v;
    this.blocks.collect(v, this.nuisance.suppressed);
    v.motion = v.score > 0 && v.score * this.blocks.watchedBlocks >= this.minBlocks;
    return v;
  }

  /**
   * Pass 2: threshold each pixel, count changed pixels per block, adapt the background.
   * The hot loop of motion, so integers only: the background is luma in 16.16 fixed point
   * and adapts by shifts (an exponential average with alpha = 2^-shift).
   */
  private classifyPixels(luma: Uint8Array, threshold: number): number {
    const { width, height, background, watched, foregroundAge, residualHistogram } = this;
    const offsetByLevel = this.light.offsetByLevel;
    const { changed: blockChanged, blocksX } = this.blocks;
    const { changed: chromaChanged, planeWidth: chromaWidth } = this.chroma;
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

  /** Sensor noise from the median residual (σ ≈ 1.4826·MAD), smoothed over a few seconds; returns this frame's σ. */
  private updateNoise(): number {
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
    // Rising noise is followed at once (a burst of sensor noise, gain jumping up at dusk:
    // smoothed, its first frames were motion everywhere); falling noise slowly.
    this.noiseSigma = this.noiseSigma === 0 || sigma > this.noiseSigma ? sigma : this.noiseSigma + 0.1 * (sigma - this.noiseSigma);
    return sigma;
  }

  private seed(luma: Uint8Array): void {
    for (let i = 0; i < this.pixels; i++) this.background[i] = luma[i]! << 16;
    this.chroma.seed(luma);
    this.foregroundAge.fill(0);
    this.framesSinceSeed = 0;
  }
}
