/**
 * Noise suppression for the motion detector (its step 3): changed pixels are counted in
 * 4×4 blocks; a block is active when enough of its pixels changed, and counts only with
 * an active neighbour (an erosion). Allocation-free per frame: the arrays are sized once.
 */
import type { FrameVerdict } from './frameVerdict.ts';

export const blockSize = 4;
/** log2(blockSize): a pixel's block column is x >> blockShift. */
export const blockShift = 2;

export class ChangedBlocks {
  readonly blocksX: number;
  readonly blocksY: number;
  /** Changed pixels per block this frame; the detector's pixel pass counts into it. */
  readonly changed: Uint16Array;
  /** Blocks with at least one watched pixel. */
  readonly watchedBlocks: number;
  /** Changed pixels a block needs to be active (0 = fully masked, never active). */
  readonly need: Uint16Array;
  /** 1 where a block is active this frame, before learned regions are left out (markActive). */
  readonly active: Uint8Array;

  /** `watched` is 1 where a pixel counts; luma is examined on a checkerboard, so only those pixels count towards a block. */
  constructor(
    private readonly width: number,
    private readonly height: number,
    watched: Uint8Array,
  ) {
    this.blocksX = Math.ceil(width / blockSize);
    this.blocksY = Math.ceil(height / blockSize);
    const blocks = this.blocksX * this.blocksY;
    this.changed = new Uint16Array(blocks);
    this.need = new Uint16Array(blocks);
    this.active = new Uint8Array(blocks);
    const blockWatched = new Uint16Array(blocks);
    for (let y = 0; y < height; y++) {
      for (let x = y & 1; x < width; x += 2) if (watched[y * width + x]) blockWatched[(y >> blockShift) * this.blocksX + (x >> blockShift)]! += 1;
    }
    let watchedBlocks = 0;
    for (let b = 0; b < blocks; b++) {
      const n = blockWatched[b]!;
      // Partly masked blocks need proportionally fewer changed pixels, but always a few.
      this.need[b] = n === 0 ? 0 : Math.max(2, Math.ceil(n * 0.375));
      if (n > 0) watchedBlocks++;
    }
    this.watchedBlocks = watchedBlocks;
  }

  /** Pass 3a: a block is active when enough of its watched pixels changed. */
  markActive(): void {
    const { changed, need, active } = this;
    for (let b = 0; b < active.length; b++) {
      const n = need[b]!;
      active[b] = n > 0 && changed[b]! >= n ? 1 : 0;
    }
  }

  /**
   * Pass 3b: blocks in learned nuisance regions (`suppressed`) are left out; the active
   * blocks with an active neighbour give the count (as `score`) and bounding box in `v`.
   */
  collect(v: FrameVerdict, suppressed: Uint8Array): void {
    const { blocksX, blocksY, active } = this;
    for (let b = 0; b < active.length; b++) if (suppressed[b] === 1) active[b] = 0;
    let kept = 0;
    let minX = blocksX;
    let minY = blocksY;
    let maxX = -1;
    let maxY = -1;
    for (let by = 0; by < blocksY; by++) {
      for (let bx = 0; bx < blocksX; bx++) {
        if (active[by * blocksX + bx] === 0 || !this.hasActiveNeighbour(bx, by)) continue;
        kept++;
        if (bx < minX) minX = bx;
        if (bx > maxX) maxX = bx;
        if (by < minY) minY = by;
        if (by > maxY) maxY = by;
      }
    }
    v.score = kept / this.watchedBlocks;
    if (kept === 0) return;
    v.regionX = (minX * blockSize) / this.width;
    v.regionY = (minY * blockSize) / this.height;
    v.regionW = Math.min(1 - v.regionX, ((maxX - minX + 1) * blockSize) / this.width);
    v.regionH = Math.min(1 - v.regionY, ((maxY - minY + 1) * blockSize) / this.height);
  }

  private hasActiveNeighbour(bx: number, by: number): boolean {
    const { blocksX, blocksY, active } = this;
    for (let dy = -1; dy <= 1; dy++) {
      const y = by + dy;
      if (y < 0 || y >= blocksY) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const x = bx + dx;
        if ((dx !== 0 || dy !== 0) && x >= 0 && x < blocksX && active[y * blocksX + x] === 1) return true;
      }
    }
    return false;
  }
}
