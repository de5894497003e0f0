/**
 * Light compensation for the motion detector (its step 1): the median difference to the
 * background is measured per brightness band (dark…bright), so a cloud, lights switching
 * on or an exposure change shift the expected value of every pixel instead of flagging it.
 * Allocation-free per frame: the histograms are sized once.
 */

const bandCount = 4;
const diffBins = 511;

export class LightShift {
  /** Expected luma shift of a pixel whose background level is the index; read by the detector's pixel pass. */
  readonly offsetByLevel = new Int16Array(256);
  private readonly diffHistogram = new Int32Array(bandCount * diffBins);
  private readonly bandMedian = new Float32Array(bandCount);
  private readonly bandSamples = new Int32Array(bandCount);

  /** `background` is luma in 16.16 fixed point; `watched` is 1 where a pixel counts. Both are the detector's, read only. */
  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly background: Int32Array,
    private readonly watched: Uint8Array,
  ) {}

  /** Pass 1 (every other pixel and row): median luma shift per brightness band → an offset per level. */
  measure(luma: Uint8Array): void {
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
