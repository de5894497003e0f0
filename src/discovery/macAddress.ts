/**
 * MAC addresses in one form everywhere Hearth reads or stores them: lower-case, colon
 * separated (aa:bb:cc:dd:ee:ff). Cameras send "00-07-5F-D3-5D-B7" (Bosch),
 * "B8A44F26437D" (Axis serials), "0007.5fd3.5db7"; compared as sent, one camera would
 * look like several.
 */

/** The normalized MAC, or null when `text` is not one (or is all zeros, which cameras send for "none"). */
export function normalizeMac(text: string): string | null {
  const trimmed = text.trim().toLowerCase();
  let hex: string;
  const groups = trimmed.split(/[:-]/);
  if (groups.length === 6 && groups.every((group) => /^[0-9a-f]{1,2}$/.test(group))) {
    hex = groups.map((group) => group.padStart(2, '0')).join('');
  } else {
    hex = trimmed.replace(/[.\s]/g, '');
  }
  if (!/^[0-9a-f]{12}$/.test(hex) || /^0{12}$/.test(hex)) return null;
  return hex.replace(/(..)(?!$)/g, '$1:');
}

/** Normalized, de-duplicated MACs in the order given; anything that is not a MAC is left out. */
export function normalizeMacs(texts: readonly string[]): string[] {
  const macs: string[] = [];
  for (const text of texts) {
    const mac = normalizeMac(text);
    if (mac !== null && !macs.includes(mac)) macs.push(mac);
  }
  return macs;
}
