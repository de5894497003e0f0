/**
 * Keeps the `onvif` package's namespace-stripping regex from seeing a body it would
 * spend minutes on. Before Hearth sees any answer, node_modules/onvif/lib/utils.js
 * (parseSOAPString, 0.8.3) runs `xml.replace(/xmlns([^=]*?)=(".*?")/g, '')`: every
 * "xmlns" not followed by `="…"` on the same line rescans to the next `=` or line end,
 * so a body of bare "xmlns" words costs quadratic time (0.7 s at 128 KiB).
 *
 * cam.js copies parseSOAPString out of utils.js when it is first loaded, so the wrapper
 * must be installed before that: onvifClient.ts imports this module ahead of 'onvif'.
 * The wrapper prices the regex in one linear pass and refuses a body that would cost
 * more than a few passes over itself; ordinary answers go to the package untouched.
 */
import { createRequire } from 'node:module';

type ParseCallback = (error: Error | null, data: unknown, xml: string, statusCode?: number) => void;
type ParseSoap = (xml: string, callback: ParseCallback, statusCode?: number) => void;

/** Character steps the package regex may take, per character of input, before the body is refused. */
const stepsPerChar = 4;
const slackSteps = 64 * 1024;

export class PathologicalXmlError extends Error {
  override readonly name = 'PathologicalXmlError';
}

/**
 * Steps `/xmlns([^=]*?)=(".*?")/g` takes over `xml`, counted without running it. Each
 * failed attempt at an "xmlns" costs the distance to where it gave up; positions are
 * searched forward only, with the last hit cached, so this pass is linear.
 */
export function namespaceRegexCost(xml: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let cost = 0;
  let cursor = 0;
  let eqFrom = -1;
  let eqAt = -1;
  let endFrom = -1;
  let endAt = -1;
  const firstEqual = (from: number): number => {
    if (eqFrom === -1 || from < eqFrom || (eqAt !== -1 && from > eqAt)) {
      eqFrom = from;
      eqAt = xml.indexOf('=', from);
    }
    return eqAt;
  };
  // First '"' or line terminator at or after `from` ('.' stops at line terminators).
  const valueEnd = (from: number): number => {
    if (endFrom === -1 || from < endFrom || (endAt !== -1 && from > endAt)) {
      endFrom = from;
      endAt = -1;
      for (let i = from; i < xml.length; i += 1) {
        const ch = xml.charCodeAt(i);
        if (ch === 0x22 || ch === 0x0a || ch === 0x0d || ch === 0x2028 || ch === 0x2029) {
          endAt = i;
          break;
        }
      }
    }
    return endAt;
  };
  for (;;) {
    const p = xml.indexOf('xmlns', cursor);
    if (p === -1) return cost;
    const eq = firstEqual(p + 5);
    if (eq === -1) {
      cost += xml.length - p;
      cursor = p + 1;
    } else if (xml.charCodeAt(eq + 1) !== 0x22) {
      cost += eq - p;
      cursor = p + 1;
    } else {
      const end = valueEnd(eq + 2);
      if (end !== -1 && xml.charCodeAt(end) === 0x22) {
        cost += end - p;
        cursor = end + 1;
      } else {
        cost += (end === -1 ? xml.length : end) - p;
        cursor = p + 1;
      }
    }
    if (cost > stopAbove) return cost;
  }
}

function guard(original: ParseSoap): ParseSoap {
  return (xml, callback, statusCode) => {
    const budget = xml.length * stepsPerChar + slackSteps;
    if (namespaceRegexCost(xml, budget) > budget) {
      callback(
        new PathologicalXmlError(
          `answer refused: its namespace declarations would take the ONVIF library minutes to read (${Math.round(xml.length / 1024)} KiB)`,
        ),
        null,
        '',
        statusCode,
      );
      return;
    }
    original(xml, callback, statusCode);
  };
}

const require = createRequire(import.meta.url);
const utils = require('onvif/lib/utils.js') as { parseSOAPString: ParseSoap & { hearthGuarded?: true } };
/** False when cam.js was loaded before this module: its copy of parseSOAPString is then unguarded. */
export const onvifPackageGuarded: boolean = require.cache[require.resolve('onvif/lib/cam.js')] === undefined;
if (utils.parseSOAPString.hearthGuarded !== true) {
  const guarded = Object.assign(guard(utils.parseSOAPString), { hearthGuarded: true as const });
  utils.parseSOAPString = guarded;
}
