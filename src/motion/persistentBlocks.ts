/**
 * Which blocks of the learner's grid change all the time (nuisanceRegions.ts groups them):
 * judged once a second on each block's history of one-second bins.
 */

/**
 * Bins (of one second) of that window in which a persistent block must have been active,
 * and its re-changes (jumps of the changed-pixel count by half a block's need) there.
 * Measured at 320 px on libx264 footage: a clock's seconds digit was active in 10–12 of
 * 12 bins with 3–7 jumps; a cell blinking every second (the simulator's binary clock, an
 * LED) in 6 of 12 with 3–6 jumps, as the background half follows it; a person crossing in
 * 5 s in 1–3 bins; a person standing still in all 12 for about 15 s (then absorbed) with
 * 0 jumps inside and up to 4 at the outline, which the learner's component rule refuses.
 */
const minActiveBins = 10;
const minJumps = 3;
/** Blinking: active in at least half the bins, re-changing at least every third second. */
const minBlinkBins = 6;
const minBlinkJumps = 4;
/**
 * Re-changing means in several seconds, not only in the one something arrived in: in a
 * picture frozen for 12 s (a stalled stream) just as a person stepped in at the edge, their
 * visible part was active in all 12 bins with 3 jumps, all in the second they arrived (seen
 * live in web-settings-suggestions on a loaded box). A ticking digit jumps in most seconds.
 */
const minJumpBins = 3;
/**
 * A nuisance changes in place; a block active as part of a travelling patch (movingBlocks.ts)
 * in this share of its active frames was crossed by something and is never persistent,
 * however often things cross it (a door people come through every few seconds). Measured
 * on the simulator's 'person' scene (6 min, 320 px, 5 fps): the clock strip's blocks were
 * in a travelling patch in 6 % of their active frames (its carries), the crossing people's
 * in 98 %, their entry at the left edge of the picture in 85 %.
 */
export const maxMovingShare = 0.25;
export interface BlockHistory {
  blocks: number;
  bins: number;
  /** Per block and bin: active frames, count jumps, active frames in a travelling patch. */
  binActive: Uint8Array;
  binJumps: Uint8Array;
  binMoving: Uint8Array;
}

/** Sets `persistent[b]` to 1 for every block that ticks or blinks in place over the window. */
export function judgePersistent(h: BlockHistory, persistent: Uint8Array): void {
  const { blocks, bins, binActive, binJumps, binMoving } = h;
  for (let b = 0; b < blocks; b++) {
    let activeBins = 0;
    let activeFrames = 0;
    let movingFrames = 0;
    let jumps = 0;
    let jumpBins = 0;
    for (let k = 0, i = b * bins; k < bins; k++, i++) {
      if (binJumps[i]! > 0) jumpBins++;
      if (binActive[i]! > 0) activeBins++;
      activeFrames += binActive[i]!;
      movingFrames += binMoving[i]!;
      jumps += binJumps[i]!;
    }
    const steady = activeBins >= minActiveBins && jumps >= minJumps && jumpBins >= minJumpBins;
    const blinking = activeBins >= minBlinkBins && jumps >= minBlinkJumps && jumpBins >= minJumpBins;
    const crossed = movingFrames > maxMovingShare * activeFrames;
    persistent[b] = (steady || blinking) && !crossed ? 1 : 0;
  }
}
