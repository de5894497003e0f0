/**
 * The segment files of one camera's recorder runs: day folders made ahead of ffmpeg,
 * each finished segment indexed (or set aside while identity is in doubt), and the file
 * a run left half-written indexed if it plays, else removed (docs/DESIGN.md, "Nothing lost").
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../log.ts';
import type { FinishedSegmentLine } from '../recorderProcess.ts';
import type { SegmentClock } from '../segmentClock.ts';
import type { SegmentIndexer } from '../segmentIndexer.ts';
import { probeSegment } from '../probeSegment.ts';
import { unlinkIfPresent } from '../../util/durableFiles.ts';
import { cameraDir, dayDirName, relativeSegmentPath, segmentExtension, streamDirName } from '../layout.ts';
import type { SegmentStream } from '../segmentRows.ts';
import { quarantineFile } from '../quarantine.ts';

export interface RunFilesOptions {
  cameraId: string;
  root: string;
  /** Already bound to the camera (`log.child({ camera })`). */
  log: Logger;
  indexer: SegmentIndexer;
  /** Places stream times on the wall clock; the supervisor starts a new run on it. */
  clock: SegmentClock;
  /** Default 'main'; an H.265 camera's sub-stream recorder writes to `<camera>.sub` and indexes stream='sub'. */
  stream?: SegmentStream;
  /** Wall time; default Date.now (the supervisor passes its clock). */
  now?: () => number;
}

export class RunFiles {
  /** Folder under the recording root: the camera id, or `<camera>.sub`. */
  private readonly dir: string;
  private readonly stream: SegmentStream;
  private readonly now: () => number;

  constructor(private readonly options: RunFilesOptions) {
    this.stream = options.stream ?? 'main';
    this.now = options.now ?? Date.now;
    this.dir = streamDirName(options.cameraId, this.stream);
  }

  /** A segment ffmpeg listed as finished; `quarantined` when another device was found at the address during this run. */
  async indexListed(line: FinishedSegmentLine, quarantined: boolean): Promise<void> {
    const relative = relativeSegmentPath(this.dir, line.basename);
    if (!relative) {
      this.options.log.error('ffmpeg listed a segment with an unexpected name', { event: 'segment.bad_name', file: line.basename });
      return;
    }
    const absolute = path.join(this.options.root, relative);
    if (quarantined) {
      // Finished after another device was found at the address: never indexed under this camera.
      await this.setAside(absolute);
      return;
    }
    const times = this.options.clock.place(line.startSeconds, line.endSeconds, line.arrivedAtMs);
    // How late each list line came against the anchor: the sequence that explains a re-anchor.
    this.options.log.debug('segment placed', { event: 'segment.placed', file: line.basename, startSeconds: line.startSeconds, endSeconds: line.endSeconds, lateMs: times.lateMs, slewedMs: times.slewedMs, startMs: times.startMs });
    if (times.reanchored) this.options.log.warn('camera and host clocks drifted; re-anchored segment times', { event: 'segment.reanchored', lateMs: times.lateMs });
    try {
      const bytes = statSync(absolute).size;
      await this.options.indexer.add({ cameraId: this.options.cameraId, startMs: times.startMs, endMs: times.endMs, bytes, path: relative, stream: this.stream }, absolute);
    } catch (error) {
      this.options.log.error('could not index a finished segment', { event: 'segment.index_failed', file: relative, error: (error as Error).message });
    }
  }

  /** Sets aside the files of a quarantined run that ffmpeg never listed. */
  async quarantinePartials(runId: string, runStartMs: number, listed: Set<string>): Promise<void> {
    for (const { dir, name } of this.unlistedFiles(runId, runStartMs, this.now(), listed)) await this.setAside(path.join(dir, name));
  }

  /** The file being written when ffmpeg died is not in the list: probe it, index it if it plays, else remove it. */
  async indexPartials(runId: string, runStartMs: number, listed: Set<string>): Promise<void> {
    const endedAtMs = this.now();
    for (const { day, dir, name } of this.unlistedFiles(runId, runStartMs, endedAtMs, listed)) {
      const absolute = path.join(dir, name);
      const probe = await probeSegment(absolute);
      if (!probe) {
        await unlinkIfPresent(absolute);
        this.options.log.info('removed a segment with no playable video', { event: 'segment.partial_removed', file: name });
        continue;
      }
      const times = this.options.clock.placePartial(probe.durationMs, endedAtMs);
      const relative = path.posix.join(this.dir, day, name);
      await this.options.indexer.add({ cameraId: this.options.cameraId, ...times, bytes: statSync(absolute).size, path: relative, stream: this.stream }, absolute);
      this.options.log.info('indexed a segment cut short', { event: 'segment.partial_indexed', file: relative, durationMs: probe.durationMs });
    }
  }

  ensureDayDirs(nowMs: number): void {
    // ffmpeg's segment muxer does not create directories: make today's and tomorrow's ahead of midnight.
    for (const ms of [nowMs, nowMs + 86_400_000]) {
      mkdirSync(path.join(cameraDir(this.options.root, this.dir), dayDirName(ms)), { recursive: true, mode: 0o750 });
    }
  }

  private async setAside(absolute: string): Promise<void> {
    try {
      await quarantineFile(this.options.root, this.options.cameraId, absolute);
      this.options.log.warn('segment set aside: it may show another camera', { event: 'segment.quarantined', file: path.basename(absolute) });
    } catch (error) {
      this.options.log.error('could not set aside a suspect segment; removing it', { event: 'segment.quarantine_failed', file: path.basename(absolute), error: (error as Error).message });
      await unlinkIfPresent(absolute);
    }
  }

  /** Files of this run that ffmpeg never listed (the one open when it stopped), by day folder. */
  private unlistedFiles(runId: string, runStartMs: number, endedAtMs: number, listed: Set<string>): { day: string; dir: string; name: string }[] {
    const suffix = `-${runId}${segmentExtension}`;
    const found: { day: string; dir: string; name: string }[] = [];
    for (const day of new Set([dayDirName(runStartMs), dayDirName(endedAtMs)])) {
      const dir = path.join(cameraDir(this.options.root, this.dir), day);
      try {
        for (const name of readdirSync(dir).filter((n) => n.endsWith(suffix) && !listed.has(n)).sort()) found.push({ day, dir, name });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return found;
  }
}
