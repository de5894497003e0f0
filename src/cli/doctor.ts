/**
 * `hearth doctor`: one verdict per thing Hearth depends on, each with the fix.
 * Exit status is non-zero when any check fails (warnings do not fail).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.ts';
import { parseFlags } from './parse.ts';
import { locateFfmpeg } from '../ffmpeg/locate.ts';
import { databaseFileName, openDatabase } from '../db/connection.ts';
import { schemaVersion } from '../db/migrate.ts';
import { privateIpv4Interfaces, ipv4OfInterfaces } from '../net/interfaces.ts';
import { checkClock } from '../system/clock.ts';
import { assertDataDirMounted, DataDirNotMountedError } from '../system/dataDirMount.ts';
import { diskSpaceOf } from '../system/diskSpace.ts';
import { checkObjects } from './doctorObjects.ts';

import type { Check } from './doctorCheck.ts';

export type { Check, Verdict } from './doctorCheck.ts';

export async function doctorCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { config: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' } });
  const config = loadConfig({ file: values.config, dataDir: values.data });
  const checks = [
    await checkFfmpeg(),
    checkDataDir(config.dataDir),
    checkDatabase(config.dataDir),
    await checkClock(),
    checkNetwork(config.discovery.interfaces),
    await checkObjects(config.objects),
  ];
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
  } else {
    for (const c of checks) process.stdout.write(`${c.verdict.padEnd(4)}  ${c.name.padEnd(9)} ${c.detail}\n`);
  }
  const failed = checks.filter((c) => c.verdict === 'fail');
  // The one-line reason on stderr that every failing command gives (docs/INTERFACE.md).
  if (failed.length > 0) process.stderr.write(`hearth: doctor: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}\n`);
  return failed.length > 0 ? 1 : 0;
}

async function checkFfmpeg(): Promise<Check> {
  try {
    const found = await locateFfmpeg();
    if (found.missing.length > 0) {
      return { name: 'ffmpeg', verdict: 'fail', detail: `${found.ffmpegPath} ${found.version} lacks ${found.missing.join(', ')}; install Debian's ffmpeg (sudo apt-get install ffmpeg)` };
    }
    return { name: 'ffmpeg', verdict: 'ok', detail: `${found.version} at ${found.ffmpegPath}, ffprobe at ${found.ffprobePath}` };
  } catch (error) {
    return { name: 'ffmpeg', verdict: 'fail', detail: (error as Error).message };
  }
}

/** Below this, a few cameras fill the disk within hours and retention is always pruning. */
const lowFreeBytes = 2 * 1024 ** 3;

function checkDataDir(dataDir: string): Check {
  try {
    assertDataDirMounted(dataDir);
  } catch (error) {
    if (error instanceof DataDirNotMountedError) return { name: 'data', verdict: 'fail', detail: error.message };
    throw error;
  }
  const existing = nearestExisting(dataDir);
  if (!statSync(existing).isDirectory()) return { name: 'data', verdict: 'fail', detail: `${existing} is a file, so ${dataDir} cannot be created there; pass --data DIR naming a directory` };
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    return { name: 'data', verdict: 'fail', detail: `${existing} is not writable by this user; fix its ownership or pass --data DIR` };
  }
  const disk = diskSpaceOf(existing);
  const free = disk.availableBytes;
  const total = disk.totalBytes;
  const usedPercent = total > 0 ? Math.round(((total - free) / total) * 100) : 0;
  const summary = `${dataDir}: ${formatBytes(free)} free of ${formatBytes(total)} (${usedPercent}% used)`;
  if (free < lowFreeBytes) return { name: 'data', verdict: 'warn', detail: `${summary}; recordings will be pruned hard, give Hearth a bigger disk` };
  return { name: 'data', verdict: 'ok', detail: existing === dataDir ? summary : `${summary}; ${dataDir} will be created at start` };
}

function checkDatabase(dataDir: string): Check {
  const file = path.join(dataDir, databaseFileName);
  if (!existsSync(file)) return { name: 'database', verdict: 'ok', detail: `${file} does not exist yet; it is created at the first start` };
  try {
    const db = openDatabase(file);
    try {
      const result = db.pragma('quick_check', { simple: true });
      if (result !== 'ok') {
        return { name: 'database', verdict: 'fail', detail: `${file} is damaged (${String(result)}); stop Hearth and restore a backup (see README, Backup)` };
      }
      return { name: 'database', verdict: 'ok', detail: `${file} passes quick_check, schema version ${schemaVersion(db)}` };
    } finally {
      db.close();
    }
  } catch (error) {
    return { name: 'database', verdict: 'fail', detail: `${file}: ${(error as Error).message}` };
  }
}

function checkNetwork(configured: string[] | null): Check {
  if (configured) {
    const { found, unknown } = ipv4OfInterfaces(configured);
    if (unknown.length > 0) {
      return { name: 'network', verdict: 'fail', detail: `discovery.interfaces names ${unknown.join(', ')}, which this machine does not have (or has no IPv4 on); see "ip -br addr"` };
    }
    return { name: 'network', verdict: 'ok', detail: `discovery probes ${found.map((i) => `${i.name} ${i.address}`).join(', ')}` };
  }
  const lan = privateIpv4Interfaces();
  if (lan.length === 0) {
    return { name: 'network', verdict: 'warn', detail: 'no interface with a private IPv4 address: cameras cannot be discovered; add cameras by address in the config' };
  }
  return { name: 'network', verdict: 'ok', detail: `LAN interfaces: ${lan.map((i) => `${i.name} ${i.address}/${i.netmask}`).join(', ')}` };
}

function nearestExisting(dir: string): string {
  let current = path.resolve(dir);
  while (!existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
