/**
 * The H.264 sub stream of a camera whose main stream is H.265, recorded as well:
 * most browsers cannot decode H.265, and the sub stream costs a few percent of the main
 * stream's bytes and no CPU (stream copy), so the timeline plays it where it covers the
 * moment instead of asking the box to convert. Cameras whose main stream is H.264, or that
 * have no sub stream, are left exactly as they were.
 *
 * Each sub recorder is a second instance of the camera's own recorder machinery
 * (CameraSupervisor with stream 'sub'): same identity checks before and during every run,
 * same quarantine, backoff, storage checks and retention; its files go to `<camera>.sub/`
 * and its rows carry stream='sub'. Its state is not the camera's state: the camera page
 * shows the main recorder, and the sub recorder's troubles are logged with stream=sub.
 *
 * Which codec the main stream is comes from its newest recorded segment (ffprobe), looked
 * at when the main recorder starts and every `checkMs` after, so a camera switched between
 * H.264 and H.265 in its own settings starts or stops its sub recorder by itself. Once per
 * recorder run: a stream-copy run cannot change codec (a camera that switches breaks the
 * run, and the next run writes files with a new run id). An ffprobe per camera per segment
 * was most of Hearth's CPU above bare ffmpeg while recording (issue 16).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import { CameraSupervisor, type SupervisorOptions } from './run/cameraSupervisor.ts';
import { getCameraSecrets } from '../cameras/cameraRows.ts';
import { ffprobePathSync } from '../ffmpeg/locate.ts';
import { segmentProbeArgs } from '../ffmpeg/args.ts';
import { lastSegmentEndMs, newestSegmentPath } from './segmentRows.ts';
import { runIdOfSegment } from './layout.ts';

const run = promisify(execFile);

export interface SubStreamRecordersOptions {
  db: Db;
  root: string;
  log: Logger;
  /** How often each camera's main codec is looked at again. */
  checkMs?: number;
  /** The video codec of a recorded file, ffprobe's name ('h264', 'hevc'); null when unreadable. Tests may pass their own. */
  videoCodecOf?: (file: string) => Promise<string | null>;
}

interface Followed {
  main: SupervisorOptions;
  sub: CameraSupervisor | null;
  /** Run id of the newest main segment looked at, and what it held. */
  probedRun: string | null;
  codec: string | null;
}

export async function videoCodecOfFile(file: string): Promise<string | null> {
  try {
    const { stdout } = await run(ffprobePathSync(), segmentProbeArgs(file), { timeout: 15_000, maxBuffer: 1024 * 1024 });
    const parsed = JSON.parse(stdout) as { streams?: Array<{ codec_type?: string; codec_name?: string }> };
    return parsed.streams?.find((s) => s.codec_type === 'video')?.codec_name ?? null;
  } catch (error) {
    // Exit code set: ffprobe could not read it (deleted by retention meanwhile, still empty): ask again later.
    if ((error as { code?: unknown }).code !== undefined) return null;
    throw error;
  }
}

export class SubStreamRecorders {
  private readonly cameras = new Map<string, Followed>();
  private readonly timer: NodeJS.Timeout;
  private checking: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: SubStreamRecordersOptions) {
    this.timer = setInterval(() => void this.checkAll(), options.checkMs ?? 10_000);
    this.timer.unref();
  }

  /** A main recorder started with these options: watch its codec. */
  follow(cameraId: string, main: SupervisorOptions): void {
    if (this.stopped) return;
    const known = this.cameras.get(cameraId);
    if (known) known.main = main;
    else this.cameras.set(cameraId, { main, sub: null, probedRun: null, codec: null });
  }

  /** The camera's registry entry changed (new sub URL, relocation): the sub recorder follows. */
  refresh(cameraId: string): void {
    this.cameras.get(cameraId)?.sub?.refresh();
  }

  /** The main recorder stopped (camera disabled or removed): so does the sub recorder. */
  async forget(cameraId: string): Promise<void> {
    const followed = this.cameras.get(cameraId);
    this.cameras.delete(cameraId);
    await followed?.sub?.stop();
  }

  /** Sub recorders running now, for tests and the log. */
  running(): string[] {
    return [...this.cameras].filter(([, f]) => f.sub !== null).map(([id]) => id);
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
    const subs = [...this.cameras.values()].map((f) => f.sub).filter((s): s is CameraSupervisor => s !== null);
    this.cameras.clear();
    await Promise.all(subs.map((s) => s.stop()));
  }

  /** One pass over the followed cameras; passes never overlap. */
  checkAll(): Promise<void> {
    this.checking ??= (async () => {
      for (const [cameraId, followed] of [...this.cameras]) {
        if (this.stopped) return;
        try {
          await this.check(cameraId, followed);
        } catch (error) {
          this.options.log.error('could not decide on recording the sub stream', { event: 'recorder.sub_check_failed', camera: cameraId, error: (error as Error).message });
        }
      }
    })().finally(() => (this.checking = null));
    return this.checking;
  }

  private async check(cameraId: string, followed: Followed): Promise<void> {
    const subUrl = getCameraSecrets(this.options.db, cameraId)?.streams.sub ?? null;
    const newest = newestSegmentPath(this.options.db, cameraId);
    const newestRun = newest === null ? null : (runIdOfSegment(newest) ?? newest);
    if (newest !== null && newestRun !== followed.probedRun) {
      const codec = await (this.options.videoCodecOf ?? videoCodecOfFile)(path.join(this.options.root, newest));
      if (codec !== null) {
        followed.probedRun = newestRun;
        if (codec !== followed.codec) this.options.log.info('main stream codec read from its recording', { event: 'recorder.main_codec', camera: cameraId, codec });
        followed.codec = codec;
      }
    }
    if (this.cameras.get(cameraId) !== followed || this.stopped) return;
    const wanted = subUrl !== null && followed.codec === 'hevc';
    if (wanted && !followed.sub) {
      const main = followed.main;
      const sub = new CameraSupervisor({
        ...main,
        stream: 'sub',
        // The main recorder's run asks ONVIF and stores both URLs; the sub follows what is stored.
        resolveInput: async () => {
          const url = getCameraSecrets(this.options.db, cameraId)?.streams.sub ?? null;
          return url
            ? { ok: true, url, source: 'registry' }
            : { ok: false, state: 'offline', message: `camera ${cameraId} no longer has a sub stream` };
        },
        lastEndMs: lastSegmentEndMs(this.options.db, cameraId, 'sub') ?? 0,
        log: main.log.child({ stream: 'sub' }),
        // The camera's state is the main recorder's; this one only logs.
        onChange: undefined,
      });
      followed.sub = sub;
      sub.start();
      this.options.log.info('recording the H.264 sub stream too: the main stream is H.265, which most browsers cannot play', { event: 'recorder.sub_started', camera: cameraId });
    } else if (!wanted && followed.sub) {
      const sub = followed.sub;
      followed.sub = null;
      await sub.stop();
      this.options.log.info('stopped recording the sub stream', { event: 'recorder.sub_stopped', camera: cameraId, why: subUrl === null ? 'no sub stream' : `main stream is ${followed.codec}` });
    }
  }
}
