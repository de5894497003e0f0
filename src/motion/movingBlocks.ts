/**
 * Which active blocks belong to something that moves: the learner (nuisanceRegions.ts)
 * must never take the place where a person enters for a clock. A nuisance changes in
 * place; a person is a connected patch of active blocks whose centre travels from frame
 * to frame. Each frame the active blocks are grouped (the same two-block reach as the
 * learner's groups), each group's centroid is compared with the centroids of last frame's
 * groups it overlaps, and a group that travelled at least `minShiftBlocks` from all of
 * them is moving, and so are those groups of last frame (a person coming in at the edge
 * of the picture grows before the centre travels). The answer is therefore one frame
 * late: `moved` holds last frame's blocks that belonged to a travelling patch.
 *
 * Allocation-free per frame: every array is sized once for the grid.
 */
import { forEachNear } from './blockGrid.ts';

/**
 * Centroid travel, in blocks, between consecutive frames that makes a patch moving.
 * Measured at 320 px, 5 fps on the simulator's scene: a person crossing in 8 s moves its
 * patch by 2 blocks a frame (entering at the edge: 1–2); the binary clock's changing
 * cells, whose patch grows and shrinks with the carries, in 6 % of their active frames.
 */
export const minShiftBlocks = 1.5;

export class MovingBlocks {
  /** 1 where an active block of the frame before the latest one belongs to a travelling patch. */
  readonly moved: Uint8Array;
  /** Per patch of last frame: it travelled from its own predecessor, or its successor travelled from it. */
  private previousMoving: Uint8Array;
  private currentMoving: Uint8Array;
  private label: Int32Array;
  private previousLabel: Int32Array;
  private cx: Float64Array;
  private cy: Float64Array;
  private previousCx: Float64Array;
  private previousCy: Float64Array;
  private readonly stack: Int32Array;
  private readonly members: Int32Array;

  constructor(
    private readonly blocksX: number,
    private readonly blocksY: number,
  ) {
    const blocks = blocksX * blocksY;
    this.moved = new Uint8Array(blocks);
    this.previousMoving = new Uint8Array(blocks);
    this.currentMoving = new Uint8Array(blocks);
    this.label = new Int32Array(blocks).fill(-1);
    this.previousLabel = new Int32Array(blocks).fill(-1);
    this.cx = new Float64Array(blocks);
    this.cy = new Float64Array(blocks);
    this.previousCx = new Float64Array(blocks);
    this.previousCy = new Float64Array(blocks);
    this.stack = new Int32Array(blocks);
    this.members = new Int32Array(blocks);
  }

  /** One frame's active blocks; fills `moved` for the frame before. */
  observe(active: Uint8Array): void {
    const { blocksX, blocksY, stack, members } = this;
    // Last frame's labels and centroids become the previous ones (swap, no copy).
    [this.label, this.previousLabel] = [this.previousLabel, this.label];
    [this.cx, this.previousCx] = [this.previousCx, this.cx];
    [this.cy, this.previousCy] = [this.previousCy, this.cy];
    [this.currentMoving, this.previousMoving] = [this.previousMoving, this.currentMoving];
    const { label, previousLabel, cx, cy, previousCx, previousCy, currentMoving, previousMoving } = this;
    label.fill(-1);
    let groups = 0;
    for (let start = 0; start < active.length; start++) {
      if (active[start] === 0 || label[start] !== -1) continue;
      const id = groups++;
      let top = 0;
      let count = 0;
      let sx = 0;
      let sy = 0;
      stack[top++] = start;
      label[start] = id;
      while (top > 0) {
        const b = stack[--top]!;
        members[count++] = b;
        const bx = b % blocksX;
        sx += bx;
        sy += (b - bx) / blocksX;
        forEachNear(b, blocksX, blocksY, (n) => {
          if (active[n] === 1 && label[n] === -1) {
            label[n] = id;
            stack[top++] = n;
          }
        });
      }
      cx[id] = sx / count;
      cy[id] = sy / count;
      // Travelled from every patch of last frame it overlaps (a new patch, overlapping none, is not moving yet).
      let nearest = Infinity;
      for (let m = 0; m < count; m++) {
        const p = previousLabel[members[m]!]!;
        if (p < 0) continue;
        const d = Math.hypot(cx[id]! - previousCx[p]!, cy[id]! - previousCy[p]!);
        if (d < nearest) nearest = d;
      }
      const travelled = nearest !== Infinity && nearest >= minShiftBlocks;
      currentMoving[id] = travelled ? 1 : 0;
      if (!travelled) continue;
      for (let m = 0; m < count; m++) {
        const p = previousLabel[members[m]!]!;
        if (p >= 0) previousMoving[p] = 1;
      }
    }
    const { moved } = this;
    for (let b = 0; b < moved.length; b++) {
      const p = previousLabel[b]!;
      moved[b] = p >= 0 && previousMoving[p] === 1 ? 1 : 0;
    }
  }
}
