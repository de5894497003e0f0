/**
 * What one camera's supervisor is given: the camera, where and how it records, the shared
 * services (indexer, child registry, storage, prune), and the seams to the outside world
 * (clock, run starter, free space, jitter) whose defaults are the real ones.
 */
import type { Logger } from '../../log.ts';
import type { startRecorderProcess } from '../recorderProcess.ts';
import type { SegmentIndexer } from '../segmentIndexer.ts';
import type { ChildRegistry } from '../childRegistry.ts';
import type { StorageCheck } from '../storageMarker.ts';
import type { BackoffPolicy } from '../../util/backoff.ts';
import type { probeStream } from '../streamProbe.ts';
import type { StreamResolution } from '../../cameras/streamSource.ts';
import type { IdentityCheck } from '../../cameras/cameraStatus.ts';
import type { SupervisorClock } from './clock.ts';
import type { FreeBytesReader } from './freeSpace.ts';

/** Starts one recorder run (ffmpeg); the seam where tests put a run of their own (Moonfire's `Opener`). */
export type StartRun = typeof startRecorderProcess;

export interface SupervisorOptions {
  cameraId: string;
  cameraName: string;
  /**
   * Asked before each run: the stream URL from the config, the registry or the camera's
   * own ONVIF answer (the relocator may have moved it, a firmware update may have changed it).
   */
  resolveInput(): Promise<StreamResolution>;
  /** Asks the stream what it carries before each run (tests may replace it). */
  probe?: typeof probeStream;
  root: string;
  segmentSeconds: number;
  rotationOffsetSeconds: number;
  lastEndMs: number;
  backoff: BackoffPolicy;
  /** No new live fragment for this long means a stuck ffmpeg: stop it and reconnect. */
  stallMs: number;
  ioTimeoutSeconds: number;
  /** Less free space than this after a failure means the disk is full. */
  lowSpaceBytes: number;
  /** Failing this long without a healthy run shows `offline` instead of `retrying`. */
  offlineAfterMs: number;
  log: Logger;
  indexer: SegmentIndexer;
  registry: ChildRegistry;
  identityCheck: IdentityCheck;
  /** Ask again this often while recording; 0 = only before each run. */
  identityRecheckMs: number;
  /** Move this camera's indexed segments ending after `sinceMs` out of the index (identity changed mid-run); returns how many. */
  quarantineSince(sinceMs: number): Promise<number>;
  /** Told when the state changes or a run starts/ends (motion follows verified runs only). */
  onChange?: () => void;
  checkStorage(): StorageCheck;
  pruneForSpace(): Promise<void>;
  /** Default 'main'. 'sub': the H.264 sub stream an H.265 camera also records (src/recording/subStreamRecorders.ts). */
  stream?: 'main' | 'sub';
  /** Default: the system clock. */
  clock?: SupervisorClock;
  /** Default: startRecorderProcess (a real ffmpeg). */
  startRun?: StartRun;
  /** Default: statfs of the recording root. */
  freeBytes?: FreeBytesReader;
  /** The backoff's jitter, uniform in [0, 1); default Math.random. */
  random?: () => number;
}
