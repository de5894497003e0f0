/**
 * The identity side of one camera's supervisor: asks the device at the camera's address
 * who it is, before each run and periodically while recording, and keeps the quarantine
 * bookkeeping those answers drive (docs/DESIGN.md, "Identity").
 *
 * A different device found mid-run marks everything written since the last good check
 * for quarantine: those segments cannot be proven to be this camera's, so they are
 * neither served nor deleted. The supervisor reads `quarantineFromMs` to stop indexing
 * and to set the run's files aside when it ends.
 */
import type { Logger } from '../log.ts';
import type { CameraStatus, IdentityCheck, IdentityCheckResult } from './cameraStatus.ts';

export interface IdentityWatchOptions {
  cameraId: string;
  cameraName: string;
  identityCheck: IdentityCheck;
  /** Already bound to the camera (`log.child({ camera })`). */
  log: Logger;
  /** Wall time; default Date.now (the supervisor passes its clock). */
  now?: () => number;
}

/** Why the check before a run refused it; the supervisor turns this into a state and a wait. */
export interface IdentityRefusal {
  verdict: 'mismatch' | 'refused' | 'unreachable';
  message: string;
  /** When the refused check started: a camera that stops answering has been failing since then. */
  startedMs: number;
}

const identityTimeoutMs = 10_000;
/** Segment times are placed from stream time; this much slack keeps a boundary segment on the safe side. */
const quarantineSlackMs = 2_000;

export class IdentityWatch {
  /** What the camera page shows as the camera's identity. */
  identity: CameraStatus['identity'] = 'unverified';
  /** Set when a mid-run check found another device: this run's output from here on is quarantined. */
  private quarantineStartMs: number | null = null;
  /** Start of the last check that found the right device (or an unverifiable one): video before it is trusted. */
  private lastGoodCheckMs = 0;
  private rechecking = false;

  constructor(private readonly options: IdentityWatchOptions) {}

  /** Where quarantine starts for the current run, or null while its video is trusted. */
  get quarantineFromMs(): number | null {
    return this.quarantineStartMs;
  }

  /** The quarantined run's files have been set aside: the next run starts trusted again. */
  clearQuarantine(): void {
    this.quarantineStartMs = null;
  }

  /** Null when the device may be recorded under this camera's id; otherwise why not. */
  async checkBeforeRun(): Promise<IdentityRefusal | null> {
    const startedMs = (this.options.now ?? Date.now)();
    const result = await this.ask();
    switch (result.verdict) {
      case 'verified':
      case 'unverified':
        this.identity = result.verdict;
        this.lastGoodCheckMs = startedMs;
        return null;
      case 'mismatch':
        this.identity = 'mismatch';
        return { verdict: 'mismatch', message: this.mismatchMessage(result.reason), startedMs };
      case 'refused':
      case 'unreachable':
        return { verdict: result.verdict, message: result.reason, startedMs };
    }
  }

  /**
   * The periodic check while recording. Only a device answering with another serial stops
   * the run: a device that is merely silent or refuses leaves the open RTSP connection
   * (TCP, to the device verified when it opened) recording, and is logged.
   * `isCurrent` says whether the run being checked is still the one recording;
   * `onMismatch` gets the homeowner's message once quarantine has been marked.
   */
  async recheckWhileRecording(isCurrent: () => boolean, onMismatch: (message: string) => void): Promise<void> {
    if (this.rechecking || this.quarantineFromMs !== null || !isCurrent()) return;
    this.rechecking = true;
    const startedMs = (this.options.now ?? Date.now)();
    try {
      const result = await this.ask();
      if (!isCurrent() || this.quarantineFromMs !== null) return;
      switch (result.verdict) {
        case 'verified':
        case 'unverified':
          this.identity = result.verdict;
          this.lastGoodCheckMs = startedMs;
          return;
        case 'mismatch':
          this.quarantineStartMs = this.lastGoodCheckMs - quarantineSlackMs;
          this.identity = 'mismatch';
          this.options.log.warn('a different device answers at this camera\'s address while recording; stopping the recorder', {
            event: 'camera.identity_changed_while_recording',
            reason: result.reason,
            lastGoodCheckMs: this.lastGoodCheckMs,
          });
          onMismatch(this.mismatchMessage(result.reason));
          return;
        case 'refused':
        case 'unreachable':
          this.options.log.warn('periodic identity check could not confirm the camera; recording continues on the connection verified when it opened', {
            event: 'camera.identity_recheck_unconfirmed',
            verdict: result.verdict,
            reason: result.reason,
          });
          return;
      }
    } finally {
      this.rechecking = false;
    }
  }

  /** The identity check under the supervisor's own deadline (a hung check must not hang the camera). */
  private async ask(): Promise<IdentityCheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<IdentityCheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ verdict: 'unreachable', reason: `camera "${this.options.cameraName}" did not answer the identity check within ${identityTimeoutMs / 1000} s; check that it is powered and on the network` }),
        identityTimeoutMs,
      );
    });
    try {
      return await Promise.race([this.options.identityCheck(this.options.cameraId), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private mismatchMessage(reason: string): string {
    return `the device answering at camera "${this.options.cameraName}"'s address is a different camera (${reason}); nothing is recorded under this camera until it is found again`;
  }
}
