/** Steps on the grid of motion blocks (row-major indices) that nuisanceRegions.ts groups. */

/**
 * Calls visit for every block within two blocks of b (b itself included), inside the grid.
 * Two blocks of reach is one block of slack around the 8-neighbours: the strokes of
 * neighbouring characters of an on-screen line join into one group.
 */
export function forEachNear(b: number, blocksX: number, blocksY: number, visit: (n: number) => void): void {
  const bx = b % blocksX;
  const by = (b - bx) / blocksX;
  for (let dy = -2; dy <= 2; dy++) {
    const y = by + dy;
    if (y < 0 || y >= blocksY) continue;
    for (let dx = -2; dx <= 2; dx++) {
      const x = bx + dx;
      if (x < 0 || x >= blocksX) continue;
      visit(y * blocksX + x);
    }
  }
}

/** Blocks in the inclusive rectangle x0..x1 × y0..y1. */
export function area(x0: number, y0: number, x1: number, y1: number): number {
  return (x1 - x0 + 1) * (y1 - y0 + 1);
}

export function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
