/**
 * The colour half of the motion detector's step 2 and its IR-switch check (step 4): on
 * the quarter-size U and V planes, a pixel changed when its colour moved further than
 * the threshold (a red coat on a grey street can have the street's brightness), and the
 * whole picture losing or regaining its colour is the camera's IR cut filter switching.
 * Allocation-free per frame: every array is sized once.
 */

/** Mean |U−128|+|V−128| below which a picture is treated as greyscale already. */
const minColourfulSaturation = 4;
/** Whole-frame colour falling below this fraction of the background's is an IR switch. */
const colourSwitchRatio = 0.4;

export interface ChromaChangeOptions {
  /** Luma frame size; the colour planes are half of each. */
  width: number;
  height: number;
  /** The detector's luma-sized arrays, read only: 1 where a pixel counts; frames each pixel has been changed for. */
  watched: Uint8Array;
  foregroundAge: Uint8Array;
  /** The detector's luma thresholds; colour uses them scaled. */
  thresholdFloor: number;
  noiseFactor: number;
  /** Background adaptation as shifts (alpha = 2^-shift): normal, for changed pixels, and the age after which changed pixels adapt normally. */
  shift: number;
  slowShift: number;
  maxAge: number;
}

export class ChromaChange {
  /** Width and pixel count of one colour plane. */
  readonly planeWidth: number;
  readonly planePixels: number;
  /** 1 where the colour changed this frame, per colour-plane pixel; read by the detector's pixel pass. */
  readonly changed: Uint8Array;
  private readonly lumaPixels: number;
  /** U and V backgrounds, 16.16 fixed point. */
  private readonly backgroundU: Int32Array;
  private readonly backgroundV: Int32Array;
  private readonly histogram = new Int32Array(256);
  private noise = 0;

  constructor(private readonly options: ChromaChangeOptions) {
    this.lumaPixels = options.width * options.height;
    this.planeWidth = options.width >> 1;
    this.planePixels = (options.width >> 1) * (options.height >> 1);
    this.backgroundU = new Int32Array(this.planePixels);
    this.backgroundV = new Int32Array(this.planePixels);
    this.changed = new Uint8Array(this.planePixels);
  }

  /**
   * Pass 1b, on the quarter-size colour planes: marks pixels whose colour changed, adapts
   * the colour background, and reports a colour↔greyscale switch (true: re-seed).
   */
  classify(frame: Uint8Array): boolean {
    const { width, watched, foregroundAge, shift, slowShift, maxAge } = this.options;
    const { planeWidth: chromaWidth, planePixels: chromaPixels, backgroundU, backgroundV, changed: chromaChanged, histogram: chromaHistogram } = this;
    const uBase = this.lumaPixels;
    const vBase = uBase + chromaPixels;
    const threshold = Math.max(this.options.thresholdFloor * 0.9, this.options.noiseFactor * 1.3 * this.noise);
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
        this.noise = this.noise === 0 ? r + 0.5 : this.noise + 0.1 * (r + 0.5 - this.noise);
        break;
      }
    }
    // Colour collapsing to grey (or coming back) across the whole picture is the IR cut filter.
    const meanFrame = frameSaturation / Math.max(1, counted);
    const meanBackground = backgroundSaturation / Math.max(1, counted);
    const colourful = Math.max(meanFrame, meanBackground) >= minColourfulSaturation;
    return colourful && (meanFrame < meanBackground * colourSwitchRatio || meanBackground < meanFrame * colourSwitchRatio);
  }

  /** The colour background becomes this frame's colour planes; nothing counts as changed. */
  seed(frame: Uint8Array): void {
    for (let c = 0; c < this.planePixels; c++) {
      this.backgroundU[c] = frame[this.lumaPixels + c]! << 16;
      this.backgroundV[c] = frame[this.lumaPixels + this.planePixels + c]! << 16;
    }
    this.changed.fill(0);
  }
}
