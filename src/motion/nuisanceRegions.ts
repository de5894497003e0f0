/**
 * Learned nuisance regions: places that change all the time (a burnt-in clock, a ticker,
 * a blinking LED, a flickering channel name) are found from each block's change history
 * and left out of motion, without a mask drawn by hand.
 *
 * A block is persistent when, over the last `windowSeconds`, it was active in nearly
 * every one-second bin AND its changed-pixel count kept jumping (it re-changes, as a
 * ticking digit does). A person crossing is active in a block for under a second; one
 * standing still is active without re-changing and is absorbed into the background after
 * 10 s; neither passes both. Nor does a block mostly active as part of a patch that
 * travels (persistentBlocks.ts, movingBlocks.ts): people coming through the same door every
 * few seconds re-change it as a blinking LED would, but a nuisance changes in place.
 * Persistent blocks are grouped (8-neighbours, one block of slack so the characters of a
 * line join), a group must be compact, and its rectangle is
 * padded sideways by three line heights: the minute digits next to a clock's seconds change
 * only once a minute, too rarely to be learned by themselves; the rest of the line (the
 * date) is added when it lights up alone with a light change. The learned area is capped,
 * so a busy scene never masks itself away. A region in which nothing changed for
 * `releaseSeconds` is released (the OSD moved or was switched off).
 *
 * Allocation-free per frame; grouping runs once per second on the bins.
 */
import type { Rect } from './watchArea.ts';
import { area, clampInt, forEachNear } from './blockGrid.ts';
import { MovingBlocks } from './movingBlocks.ts';
import { judgePersistent } from './persistentBlocks.ts';

export interface NuisanceOptions {
  blocksX: number;
  blocksY: number;
  fps: number;
}

/** Seconds of history a block is judged on; a still person stays active for up to ~11 s. */
export const windowSeconds = 12;
/**
 * The group must be most of what is changing around it (its connected active area this
 * second, at most this many times its own size). A person standing still flickers at
 * their outline (their edge blocks pass the tests above) but the outline belongs to the
 * whole silhouette, 30x larger; a clock's ticking digits are nearly all of their area.
 */
const maxComponentRatio = 2.5;
/** A group taller or wider than this fraction of the frame is scenery, not an OSD. */
const maxGroupFraction = 0.35;
/** A single learned region never covers more than this fraction of the frame (a long OSD line is 5–10 %, a full-width ticker 11 %)… */
const maxRegionArea = 0.12;
/** …and all of them together never more than this. */
export const maxLearnedArea = 0.15;
/** Nothing changed in a region for this long: it is released. */
export const releaseSeconds = 30;
/** Sideways padding of a region, in multiples of its height (the clock's slower digits). */
const sidePaddingHeights = 3;

/** A learned region in block units (inclusive bounds), with its bookkeeping. */
interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  lastActiveBin: number;
  learnedAtBin: number;
}

export class NuisanceRegions {
  /** 1 where a block lies in a learned region; the detector leaves those out. */
  readonly suppressed: Uint8Array;
  /** Bumped whenever the set of regions changes (the worker persists on change). */
  version = 0;
  private readonly blocks: number;
  private readonly framesPerBin: number;
  private readonly bins: number;
  /** Per block: active frames in each bin of the window (ring of `bins`). */
  private readonly binActive: Uint8Array;
  /** Per block: count jumps in each bin. */
  private readonly binJumps: Uint8Array;
  /** Per block: active frames in each bin spent in a moving patch. */
  private readonly binMoving: Uint8Array;
  private readonly movingBlocks: MovingBlocks;
  private readonly previousChanged: Uint16Array;
  private readonly persistent: Uint8Array;
  private readonly group: Int32Array;
  private readonly stack: Int32Array;
  /** Scratch for the active area around a group: marks and the blocks marked. */
  private readonly seen: Uint8Array;
  private readonly seenList: Int32Array;
  private regionsList: Region[] = [];
  private frameInBin = 0;
  private bin = 0;
  /** Bins observed so far (a region can only be learned once the window is full). */
  private binsSeen = 0;

  constructor(private readonly o: NuisanceOptions) {
    this.blocks = o.blocksX * o.blocksY;
    this.framesPerBin = Math.max(1, Math.round(o.fps));
    this.bins = windowSeconds;
    this.binActive = new Uint8Array(this.blocks * this.bins);
    this.binJumps = new Uint8Array(this.blocks * this.bins);
    this.binMoving = new Uint8Array(this.blocks * this.bins);
    this.movingBlocks = new MovingBlocks(o.blocksX, o.blocksY);
    this.previousChanged = new Uint16Array(this.blocks);
    this.persistent = new Uint8Array(this.blocks);
    this.suppressed = new Uint8Array(this.blocks);
    this.group = new Int32Array(this.blocks);
    this.stack = new Int32Array(this.blocks);
    this.seen = new Uint8Array(this.blocks);
    this.seenList = new Int32Array(this.blocks);
  }

  /**
   * One frame's raw block activity (before suppression and erosion) and changed-pixel
   * counts; `need` is the count that makes a block active. Returns true when the
   * regions changed.
   */
  observe(active: Uint8Array, changed: Uint16Array, need: Uint16Array): boolean {
    const { blocks, bins, binActive, binJumps, binMoving, previousChanged } = this;
    const slot = this.bin % bins;
    this.movingBlocks.observe(active);
    const moved = this.movingBlocks.moved;
    for (let b = 0; b < blocks; b++) {
      const n = need[b]!;
      if (n === 0) continue;
      // Last frame's block was part of something travelling (movingBlocks.ts answers a frame late).
      if (moved[b] === 1 && binMoving[b * bins + slot]! < 255) binMoving[b * bins + slot]! += 1;
      const c = changed[b]!;
      const p = previousChanged[b]!;
      previousChanged[b] = c;
      if (active[b] === 0) continue;
      const i = b * bins + slot;
      if (binActive[i]! < 255) binActive[i]! += 1;
      const jump = c > p ? c - p : p - c;
      if (jump * 2 >= n && binJumps[i]! < 255) binJumps[i]! += 1;
    }
    if (++this.frameInBin < this.framesPerBin) return false;
    this.frameInBin = 0;
    return this.closeBin();
  }

  /** Regions as rectangles in 0..1 frame coordinates. */
  regions(): Rect[] {
    const { blocksX, blocksY } = this.o;
    const round = (n: number): number => Math.round(n * 10_000) / 10_000;
    return this.regionsList.map((r) => ({
      x: round(r.x0 / blocksX),
      y: round(r.y0 / blocksY),
      w: round((r.x1 - r.x0 + 1) / blocksX),
      h: round((r.y1 - r.y0 + 1) / blocksY),
    }));
  }

  /**
   * Starts from regions learned before (the previous run's): they are left out from the
   * first frame, and released like any other if nothing changes in them.
   */
  seed(rects: readonly Rect[]): void {
    const { blocksX, blocksY } = this.o;
    for (const r of rects) {
      const x0 = clampInt(Math.floor(r.x * blocksX), 0, blocksX - 1);
      const y0 = clampInt(Math.floor(r.y * blocksY), 0, blocksY - 1);
      const x1 = clampInt(Math.ceil((r.x + r.w) * blocksX) - 1, x0, blocksX - 1);
      const y1 = clampInt(Math.ceil((r.y + r.h) * blocksY) - 1, y0, blocksY - 1);
      if (this.learnedArea() + area(x0, y0, x1, y1) > maxLearnedArea * this.blocks) continue;
      this.regionsList.push({ x0, y0, x1, y1, lastActiveBin: this.bin, learnedAtBin: this.bin });
    }
    this.paint();
  }

  private closeBin(): boolean {
    const { blocks, bins, binActive, binJumps, binMoving } = this;
    const slot = this.bin % bins;
    this.binsSeen++;
    let changedRegions = false;
    // Regions stay while anything in them changes; released after releaseSeconds of stillness.
    for (const r of this.regionsList) {
      if (this.anyActive(r, slot)) r.lastActiveBin = this.bin;
      if (this.growAlongLine(r, slot)) changedRegions = true;
    }
    const kept = this.regionsList.filter((r) => this.bin - r.lastActiveBin < releaseSeconds);
    if (kept.length !== this.regionsList.length) {
      this.regionsList = kept;
      changedRegions = true;
    }
    if (this.binsSeen >= bins) {
      judgePersistent({ blocks, bins, binActive, binJumps, binMoving }, this.persistent);
      if (this.learnGroups(slot)) changedRegions = true;
    }
    this.bin++;
    const next = this.bin % bins;
    for (let b = 0; b < blocks; b++) {
      binActive[b * bins + next] = 0;
      binJumps[b * bins + next] = 0;
      binMoving[b * bins + next] = 0;
    }
    if (changedRegions) {
      this.mergeOverlaps();
      this.paint();
    }
    return changedRegions;
  }

  /** Groups persistent blocks into compact rectangles; adds or grows regions. */
  private learnGroups(slot: number): boolean {
    const { blocksX, blocksY } = this.o;
    const { persistent, group, stack } = this;
    group.fill(-1);
    let changed = false;
    for (let start = 0; start < this.blocks; start++) {
      if (persistent[start] === 0 || group[start] !== -1) continue;
      let top = 0;
      stack[top++] = start;
      group[start] = start;
      let x0 = blocksX;
      let y0 = blocksY;
      let x1 = -1;
      let y1 = -1;
      let count = 0;
      while (top > 0) {
        const b = stack[--top]!;
        const bx = b % blocksX;
        const by = (b - bx) / blocksX;
        count++;
        if (bx < x0) x0 = bx;
        if (bx > x1) x1 = bx;
        if (by < y0) y0 = by;
        if (by > y1) y1 = by;
        forEachNear(b, blocksX, blocksY, (n) => {
          if (persistent[n] === 1 && group[n] === -1) {
            group[n] = start;
            stack[top++] = n;
          }
        });
      }
      if (count < 2) continue;
      if (this.activeAreaAround(start, slot) > maxComponentRatio * count) continue;
      const w = x1 - x0 + 1;
      const h = y1 - y0 + 1;
      if (w > blocksX * maxGroupFraction || h > blocksY * maxGroupFraction) continue;
      // Less padding rather than none where a tall group would make the region too large.
      const pad = Math.max(0, Math.min(sidePaddingHeights * h, Math.floor((maxRegionArea * this.blocks) / (h + 2) - w) >> 1));
      const rx0 = clampInt(x0 - pad, 0, blocksX - 1);
      const rx1 = clampInt(x1 + pad, 0, blocksX - 1);
      const ry0 = clampInt(y0 - 1, 0, blocksY - 1);
      const ry1 = clampInt(y1 + 1, 0, blocksY - 1);
      if (this.absorb(rx0, ry0, rx1, ry1)) changed = true;
    }
    return changed;
  }

  /**
   * Blocks active this second connected (with the same one-block slack) to the group that
   * `start` began; stops counting past the largest size the caller would accept.
   */
  private activeAreaAround(start: number, slot: number): number {
    const { blocksX, blocksY } = this.o;
    const { group, seen, seenList, binActive, bins } = this;
    let marked = 0;
    const mark = (b: number): void => {
      seen[b] = 1;
      seenList[marked++] = b;
    };
    for (let b = 0; b < this.blocks; b++) if (group[b] === start) mark(b);
    const limit = this.blocks;
    for (let head = 0; head < marked && marked < limit; head++) {
      forEachNear(seenList[head]!, blocksX, blocksY, (n) => {
        if (seen[n] === 0 && binActive[n * bins + slot]! > 0) mark(n);
      });
    }
    for (let i = 0; i < marked; i++) seen[seenList[i]!] = 0;
    return marked;
  }

  /** Adds the rectangle, or grows the region it overlaps; false when nothing changed or the cap refuses it. */
  private absorb(x0: number, y0: number, x1: number, y1: number): boolean {
    const existing = this.regionsList.find((r) => x0 <= r.x1 && x1 >= r.x0 && y0 <= r.y1 && y1 >= r.y0);
    if (existing) {
      if (x0 >= existing.x0 && y0 >= existing.y0 && x1 <= existing.x1 && y1 <= existing.y1) return false;
      const nx0 = Math.min(x0, existing.x0);
      const ny0 = Math.min(y0, existing.y0);
      const nx1 = Math.max(x1, existing.x1);
      const ny1 = Math.max(y1, existing.y1);
      const grown = area(nx0, ny0, nx1, ny1);
      if (grown > maxRegionArea * this.blocks) return false;
      if (this.learnedArea() - area(existing.x0, existing.y0, existing.x1, existing.y1) + grown > maxLearnedArea * this.blocks) return false;
      Object.assign(existing, { x0: nx0, y0: ny0, x1: nx1, y1: ny1, lastActiveBin: this.bin });
      return true;
    }
    const size = area(x0, y0, x1, y1);
    if (size > maxRegionArea * this.blocks || this.learnedArea() + size > maxLearnedArea * this.blocks) return false;
    this.regionsList.push({ x0, y0, x1, y1, lastActiveBin: this.bin, learnedAtBin: this.bin });
    return true;
  }

  /**
   * The rest of an OSD line (the date, which never ticks) changes only when the light
   * does: the text keeps its brightness while the scene around it shifts. Activity that
   * continues the region sideways and stays within its rows, nothing above or below it,
   * belongs to the same line and grows the region (within the caps).
   */
  private growAlongLine(r: Region, slot: number): boolean {
    const { blocksX, blocksY } = this.o;
    const columnState = (x: number): 'line' | 'beyond' | 'quiet' => {
      let inside = false;
      for (let y = r.y0; y <= r.y1; y++) if (this.binActive[(y * blocksX + x) * this.bins + slot]! > 0) inside = true;
      if (!inside) return 'quiet';
      for (const y of [r.y0 - 1, r.y1 + 1]) {
        if (y >= 0 && y < blocksY && this.binActive[(y * blocksX + x) * this.bins + slot]! > 0) return 'beyond';
      }
      return 'line';
    };
    const reach = (from: number, step: number): number => {
      let edge = from;
      let gap = 0;
      for (let x = from + step; x >= 0 && x < blocksX && gap <= 2; x += step) {
        const state = columnState(x);
        if (state === 'beyond') break;
        if (state === 'line') {
          edge = x;
          gap = 0;
        } else gap++;
      }
      return edge;
    };
    const x0 = reach(r.x0, -1);
    const x1 = reach(r.x1, 1);
    if (x0 === r.x0 && x1 === r.x1) return false;
    const grown = area(x0, r.y0, x1, r.y1);
    if (grown > maxRegionArea * this.blocks) return false;
    if (this.learnedArea() - area(r.x0, r.y0, r.x1, r.y1) + grown > maxLearnedArea * this.blocks) return false;
    r.x0 = x0;
    r.x1 = x1;
    return true;
  }

  /** Regions that grew into each other become one (a ticker learned from both ends), within the size cap. */
  private mergeOverlaps(): void {
    for (let merged = true, rounds = 0; merged && rounds < 32; rounds++) {
      merged = false;
      for (let i = 0; i < this.regionsList.length && !merged; i++) {
        for (let j = i + 1; j < this.regionsList.length && !merged; j++) {
          const a = this.regionsList[i]!;
          const b = this.regionsList[j]!;
          if (a.x0 > b.x1 || b.x0 > a.x1 || a.y0 > b.y1 || b.y0 > a.y1) continue;
          const x0 = Math.min(a.x0, b.x0);
          const y0 = Math.min(a.y0, b.y0);
          const x1 = Math.max(a.x1, b.x1);
          const y1 = Math.max(a.y1, b.y1);
          const union = area(x0, y0, x1, y1);
          if (union > maxRegionArea * this.blocks) continue;
          if (this.learnedArea() - area(a.x0, a.y0, a.x1, a.y1) - area(b.x0, b.y0, b.x1, b.y1) + union > maxLearnedArea * this.blocks) continue;
          Object.assign(a, { x0, y0, x1, y1, lastActiveBin: Math.max(a.lastActiveBin, b.lastActiveBin), learnedAtBin: Math.min(a.learnedAtBin, b.learnedAtBin) });
          this.regionsList.splice(j, 1);
          merged = true;
        }
      }
    }
  }

  private anyActive(r: Region, slot: number): boolean {
    const { blocksX } = this.o;
    for (let y = r.y0; y <= r.y1; y++) {
      for (let x = r.x0; x <= r.x1; x++) if (this.binActive[(y * blocksX + x) * this.bins + slot]! > 0) return true;
    }
    return false;
  }

  private learnedArea(): number {
    return this.regionsList.reduce((sum, r) => sum + area(r.x0, r.y0, r.x1, r.y1), 0);
  }

  private paint(): void {
    const { blocksX } = this.o;
    this.suppressed.fill(0);
    for (const r of this.regionsList) {
      for (let y = r.y0; y <= r.y1; y++) this.suppressed.fill(1, y * blocksX + r.x0, y * blocksX + r.x1 + 1);
    }
    this.version++;
  }
}
