/**
 * What a camera shows after a run failed, could not start or was refused, and how long
 * the supervisor waits before the next: retrying until `offlineAfterMs` of failing, then
 * offline; a wrong password or another device slowly (cameras lock accounts that hammer
 * them); a full disk after a prune. No timers and no I/O here: the supervisor applies it.
 */
import type { Backoff } from '../../util/backoff.ts';
import type { CameraState } from '../../cameras/cameraStatus.ts';
import type { StreamResolution } from '../../cameras/streamSource.ts';
import type { IdentityRefusal } from '../../cameras/identityWatch.ts';
import type { RecorderAudioMode } from '../../ffmpeg/args.ts';
import type { Failure } from './failureReason.ts';
import { supervisorMessages, type CameraNames } from './messages.ts';

export interface ExitPolicyOptions {
  camera: CameraNames;
  backoff: Backoff;
  /** Failing this long without a healthy run shows `offline` instead of `retrying`. */
  offlineAfterMs: number;
  now(): number;
}

/** The state to show, with its homeowner message, and the wait before the next attempt. */
export interface Verdict {
  state: CameraState;
  message: string;
  retryInMs: number;
}

export type FailureVerdict =
  | { kind: 'show'; verdict: Verdict; /** Prune the oldest recordings before waiting. */ pruneForSpace: boolean }
  /** The container or codec refused the audio: the supervisor records audio another way (see afterAudioRefused). */
  | { kind: 'audio_refused'; detail: string };

export class ExitPolicy {
  /** Start of the current failing period; null while recording. */
  private failingSinceMs: number | null = null;

  constructor(private readonly options: ExitPolicyOptions) {}

  /** Video flows again: the next failure starts a new failing period. */
  recovered(): void {
    this.failingSinceMs = null;
  }

  /** A run that was recording has ended: failing from now, not from an older period. */
  recordingEnded(): void {
    this.failingSinceMs = this.options.now();
  }

  /** The check before a run refused the device at the camera's address. */
  whileRefused(refusal: IdentityRefusal): Verdict {
    switch (refusal.verdict) {
      case 'mismatch':
        return { state: 'identity_mismatch', message: refusal.message, retryInMs: this.options.backoff.slow() };
      case 'refused':
        // Slowly, like a wrong stream password: cameras lock accounts that hammer them.
        return { state: 'auth_failed', message: refusal.message, retryInMs: this.options.backoff.slow() };
      case 'unreachable':
        this.failingSinceMs ??= refusal.startedMs;
        return { state: this.retryingOrOffline(), message: refusal.message, retryInMs: this.options.backoff.next(0) };
    }
  }

  /** No stream URL could be found for the run (ONVIF did not answer, refused, or has none). */
  unresolved(input: Extract<StreamResolution, { ok: false }>, runStartMs: number): Verdict {
    this.failingSinceMs ??= runStartMs;
    const retryInMs = input.state === 'auth_failed' ? this.options.backoff.slow() : this.options.backoff.next(0);
    return { state: input.state, message: input.message, retryInMs };
  }

  /** The disk is still full after a prune, before any run started: wait and look again. */
  stillNoSpace(): number {
    return this.options.backoff.next(0);
  }

  /** A run failed after `ranMs` (or its stream could not be opened). */
  afterFailure(failure: Failure, ranMs: number, runStartMs: number): FailureVerdict {
    const { camera, backoff } = this.options;
    this.failingSinceMs ??= runStartMs;
    switch (failure.kind) {
      case 'auth':
        return { kind: 'show', verdict: { state: 'auth_failed', message: supervisorMessages.authFailed(camera), retryInMs: backoff.slow() }, pruneForSpace: false };
      case 'disk_full':
        return { kind: 'show', verdict: { state: 'disk_full', message: supervisorMessages.diskFull(camera, failure.detail), retryInMs: backoff.next(ranMs) }, pruneForSpace: true };
      case 'audio_unsupported':
        return { kind: 'audio_refused', detail: failure.detail };
      case 'not_found':
      case 'unreachable':
      case 'dropped':
      case 'stopped':
        return { kind: 'show', verdict: { state: this.retryingOrOffline(), message: supervisorMessages.notSending(camera, failure), retryInMs: backoff.next(ranMs) }, pruneForSpace: false };
    }
  }

  /** Audio must never stop video: copy, then AAC, then video alone (at most two quick retries). */
  afterAudioRefused(refusedMode: RecorderAudioMode, ranMs: number): number {
    return refusedMode === 'none' ? this.options.backoff.next(ranMs) : 0;
  }

  /** A run stopped because another device answered at the address: its files are set aside; ask again slowly. */
  afterQuarantine(): number {
    this.failingSinceMs ??= this.options.now();
    return this.options.backoff.slow();
  }

  private retryingOrOffline(): CameraState {
    const failingMs = this.options.now() - (this.failingSinceMs ?? this.options.now());
    return failingMs > this.options.offlineAfterMs ? 'offline' : 'retrying';
  }
}
