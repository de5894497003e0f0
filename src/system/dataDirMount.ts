/**
 * docs/DESIGN.md, "Right disk", at start: a data dir on a USB disk or NAS share that /etc/fstab
 * names but that did not mount (unplugged, late, failed fsck) is an empty directory on the
 * SD card. Opening the database there would start a second, empty Hearth underneath the
 * real one. So `hearth start` refuses, naming the mount, and systemd's restart retries
 * until the disk is there. Mounts that fstab does not name (desktop automounts) cannot be
 * told apart from a plain folder and are not checked here; the recording-root marker
 * still keeps recordings off the wrong disk once running.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export class DataDirNotMountedError extends Error {
  override name = 'DataDirNotMountedError';
  constructor(
    readonly dataDir: string,
    readonly mountPoint: string,
  ) {
    super(
      `the data dir ${dataDir} is on ${mountPoint}, which /etc/fstab lists but is not mounted; ` +
        `plug in or power the disk and run \`sudo mount ${mountPoint}\` (the service retries by itself), ` +
        'or point --data / HEARTH_DATA elsewhere',
    );
  }
}

/** fstab and mountinfo escape spaces and tabs in paths as octal (\040, \011). */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Mount points that fstab names (bind mounts included; swap and comments skipped). */
export function fstabMountPoints(text: string): string[] {
  const points: string[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith('#')) continue;
    const [, target, type] = fields;
    if (!target!.startsWith('/') || type === 'swap') continue;
    points.push(path.resolve(unescapeOctal(target!)));
  }
  return points;
}

/** Mount points in /proc/self/mountinfo (field 5). */
export function mountedPoints(text: string): Set<string> {
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const target = line.split(' ')[4];
    if (target) points.add(unescapeOctal(target));
  }
  return points;
}

/** The deepest fstab mount point at or above `dir`, other than `/`. */
function owningMount(dir: string, fstab: string[]): string | null {
  let best: string | null = null;
  for (const point of fstab) {
    if (point === '/') continue;
    const inside = dir === point || dir.startsWith(point.endsWith(path.sep) ? point : point + path.sep);
    if (inside && (!best || point.length > best.length)) best = point;
  }
  return best;
}

export interface MountFiles {
  fstab: string;
  mountinfo: string;
}

const systemFiles: MountFiles = { fstab: '/etc/fstab', mountinfo: '/proc/self/mountinfo' };

/** Throws DataDirNotMountedError when the data dir's fstab mount is missing; unreadable files mean "no opinion". */
export function assertDataDirMounted(dataDir: string, files: MountFiles = systemFiles): void {
  const dir = path.resolve(dataDir);
  let fstab: string[];
  try {
    fstab = fstabMountPoints(readFileSync(files.fstab, 'utf8'));
  } catch {
    return; // no fstab (a container, a minimal image): nothing names a disk that should be there
  }
  const point = owningMount(dir, fstab);
  if (!point) return;
  // Touching the mount point first lets a systemd automount (x-systemd.automount) mount it.
  try {
    statSync(dir);
  } catch {
    // a missing data dir is fine here; the mount is what matters
  }
  let mounted: Set<string>;
  try {
    mounted = mountedPoints(readFileSync(files.mountinfo, 'utf8'));
  } catch {
    return;
  }
  if (!mounted.has(point)) throw new DataDirNotMountedError(dir, point);
}
