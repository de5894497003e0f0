/**
 * The machine-readable code every simulated camera burns into its picture, so a test
 * (or the identity work) can tell from pixels alone which camera a frame came from and
 * when it was rendered.
 *
 * Layout, at the 640x360 render size (everything scales with the frame width, so the
 * 1280x720 main stream has 20 px cells):
 *   - a black strip at the top-left, `stripMarginPx` of black around one row of cells;
 *   - `totalCells` square cells of `cellPx`, left to right, each solid white (1) or black (0):
 *       cell 0      marker, always white
 *       cell 1      marker, always black
 *       cells 2-17  camera code, 16 bits, most significant first (cameraCodeForSerial)
 *       cells 18-41 wall clock, epoch seconds mod 2^24, 24 bits, most significant first
 * The strip is drawn last, after noise, brightness and IR effects, so none of them touch it.
 */

export const frameCodeReferenceWidth = 640;
export const frameCodeCellPx = 10;
export const frameCodeMarginPx = 4;
export const cameraCodeBits = 16;
export const wallSecondsBits = 24;
const markerCells = 2;
export const frameCodeTotalCells = markerCells + cameraCodeBits + wallSecondsBits;

/** Strip size at the reference width: 428x18 (856x36 on the 1280x720 main stream). */
export const frameCodeStrip = {
  width: 2 * frameCodeMarginPx + frameCodeTotalCells * frameCodeCellPx,
  height: 2 * frameCodeMarginPx + frameCodeCellPx,
} as const;

export interface FrameCode {
  cameraCode: number;
  /** Epoch seconds mod 2^24 (wraps every ~194 days); compare with `wallSecondsNow()`. */
  wallSeconds: number;
}

/** 16-bit code for a serial number: 32-bit FNV-1a of its UTF-8 bytes, folded by xor. */
export function cameraCodeForSerial(serial: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(serial, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return ((hash >>> 16) ^ (hash & 0xffff)) & 0xffff;
}

export function wallSecondsOf(epochMs: number): number {
  return Math.floor(epochMs / 1000) % 2 ** wallSecondsBits;
}

/** Signed difference a - b of two wall-second codes, taking the 2^24 wrap into account. */
export function wallSecondsDiff(a: number, b: number): number {
  const modulus = 2 ** wallSecondsBits;
  const d = (((a - b) % modulus) + modulus) % modulus;
  return d >= modulus / 2 ? d - modulus : d;
}

/** Top-left corner of cell `index` at the reference width. */
export function frameCodeCellOrigin(index: number): { x: number; y: number } {
  return { x: frameCodeMarginPx + index * frameCodeCellPx, y: frameCodeMarginPx };
}

/** Cells whose value never changes for a camera: the markers and the camera code. */
export function constantCellValues(cameraCode: number): boolean[] {
  const values = [true, false];
  for (let bit = cameraCodeBits - 1; bit >= 0; bit -= 1) values.push(((cameraCode >>> bit) & 1) === 1);
  return values;
}

/** Index of the cell that carries wall-clock bit `bit` (0 = least significant). */
export function wallSecondsCellIndex(bit: number): number {
  return markerCells + cameraCodeBits + (wallSecondsBits - 1 - bit);
}

/** Mean luma above this is a white cell, below `blackBelow` a black one; between is unreadable. */
const whiteAbove = 160;
const blackBelow = 96;

/**
 * Reads the code from one raw 8-bit gray frame (`-f rawvideo -pix_fmt gray`) of any width
 * that is a multiple of the layout's scale (640x360, 1280x720, ...). Returns null when the
 * markers are not where they should be or a cell is neither clearly white nor clearly black
 * (a frame from something that is not a simulated camera, or badly damaged by compression).
 */
export function readFrameCode(gray: Uint8Array, width: number, height: number): FrameCode | null {
  if (gray.length < width * height) {
    throw new RangeError(`gray frame has ${gray.length} bytes, expected ${width}x${height}=${width * height}; decode with -pix_fmt gray`);
  }
  const scale = width / frameCodeReferenceWidth;
  if (scale < 0.5 || frameCodeStrip.height * scale > height) return null;

  // Mean of the middle half of a square, in frame pixels.
  const meanOf = (refX: number, refY: number, refSize: number): number => {
    const x0 = Math.round((refX + refSize / 4) * scale);
    const y0 = Math.round((refY + refSize / 4) * scale);
    const side = Math.max(1, Math.round((refSize / 2) * scale));
    let sum = 0;
    for (let y = y0; y < y0 + side; y += 1) {
      for (let x = x0; x < x0 + side; x += 1) sum += gray[y * width + x] ?? 0;
    }
    return sum / (side * side);
  };

  const bits: boolean[] = [];
  for (let index = 0; index < frameCodeTotalCells; index += 1) {
    const origin = frameCodeCellOrigin(index);
    const mean = meanOf(origin.x, origin.y, frameCodeCellPx);
    if (mean > whiteAbove) bits.push(true);
    else if (mean < blackBelow) bits.push(false);
    else return null;
  }
  if (bits[0] !== true || bits[1] !== false) return null;
  // The strip's margin below the cells must be black too: a white frame is not a code.
  if (meanOf(0, frameCodeCellPx + frameCodeMarginPx, frameCodeMarginPx) >= blackBelow) return null;

  let cameraCode = 0;
  for (let i = 0; i < cameraCodeBits; i += 1) cameraCode = (cameraCode << 1) | (bits[markerCells + i] ? 1 : 0);
  let wallSeconds = 0;
  for (let i = 0; i < wallSecondsBits; i += 1) {
    wallSeconds = wallSeconds * 2 + (bits[markerCells + cameraCodeBits + i] ? 1 : 0);
  }
  return { cameraCode, wallSeconds };
}
