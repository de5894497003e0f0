/** Which pixels the motion detector watches: masks hide areas; zones, when given, are the only areas that count. */

/** A rectangle in 0..1 frame coordinates, as stored in `events.region` and configured for masks and zones. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** 1 where a pixel is watched (not masked, inside a zone if there are zones), row by row. */
export function watchedPixels(width: number, height: number, masks: readonly Rect[], zones: readonly Rect[]): Uint8Array {
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
