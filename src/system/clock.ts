/**
 * Is the wall clock trustworthy? A Raspberry Pi has no real-time clock: after a power
 * cut with no internet it may start in the past. Recording times and retention depend on it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** No recording can predate this build; a clock before it is certainly wrong. */
export const earliestPlausibleMs = Date.UTC(2026, 0, 1);

export interface ClockCheck {
  name: 'clock';
  verdict: 'ok' | 'warn' | 'fail';
  detail: string;
}

export async function checkClock(nowMs = Date.now()): Promise<ClockCheck> {
  const now = new Date(nowMs).toISOString();
  if (nowMs < earliestPlausibleMs) {
    return { name: 'clock', verdict: 'fail', detail: `the clock says ${now}, before this Hearth was built: set the time or connect an NTP server (a Pi has no battery clock)` };
  }
  const synced = await ntpSynchronized();
  if (synced === false) {
    return { name: 'clock', verdict: 'warn', detail: `${now}, not synchronized by NTP: recording times may drift; enable systemd-timesyncd or a LAN NTP server` };
  }
  return { name: 'clock', verdict: 'ok', detail: synced ? `${now}, synchronized by NTP` : `${now} (NTP state unknown: timedatectl not available)` };
}

/** true/false from systemd, null where timedatectl is missing (containers, non-systemd hosts). */
async function ntpSynchronized(): Promise<boolean | null> {
  try {
    const { stdout } = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 3000 });
    const value = stdout.trim();
    return value === 'yes' ? true : value === 'no' ? false : null;
  } catch {
    // No timedatectl, or no system bus (containers): unknown, which is not "unsynchronized".
    return null;
  }
}
