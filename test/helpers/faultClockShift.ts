/**
 * Preload (`node --import tsx --import this-file ...`) that fakes a wall-clock jump in one
 * process: `Date.now()` and `new Date()` run `offset` ms ahead of the real clock. On SIGUSR2
 * the offset is re-read from the file named by HEARTH_FAULT_CLOCK_FILE (ms, one integer)
 * and acknowledged on stderr. Monotonic time (performance.now, timers) is untouched, exactly
 * as when the system clock is stepped; child processes (ffmpeg) keep the real clock.
 */
import { readFileSync } from 'node:fs';

const RealDate = Date;
const offsetFile = process.env.HEARTH_FAULT_CLOCK_FILE;
let offsetMs = 0;

class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + offsetMs);
    else super(...(args as [string | number | Date]));
  }

  static override now(): number {
    return RealDate.now() + offsetMs;
  }
}

function readOffset(): void {
  if (!offsetFile) return;
  const text = readFileSync(offsetFile, 'utf8').trim();
  const next = Number(text);
  if (!Number.isInteger(next)) throw new Error(`${offsetFile}: expected an integer offset in ms, got "${text}"`);
  offsetMs = next;
}

readOffset();
globalThis.Date = ShiftedDate as DateConstructor;
process.on('SIGUSR2', () => {
  readOffset();
  process.stderr.write(`fault-clock: offset ${offsetMs} ms\n`);
});
