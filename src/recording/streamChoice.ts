/**
 * What a run records with: the codecs the stream carries (src/recording/streamProbe.ts),
 * asked before a run whenever the address changed or the last run did not record well, and
 * the audio choice made from them (audioChoice.ts). A reconnect after a good run keeps its
 * choice: one connection fewer to the camera, and no second of video lost to the probe; a
 * codec change then fails the run, which asks again.
 */
import type { Logger } from '../log.ts';
import type { RecorderAudioMode } from '../ffmpeg/args.ts';
import { probeStream } from './streamProbe.ts';
import { nextAudioPlan, type AudioDecision } from './audioChoice.ts';
import { classifyExit, type Failure } from './run/failureReason.ts';

export interface StreamChoiceOptions {
  ioTimeoutSeconds: number;
  log: Logger;
  probe?: typeof probeStream;
  /** For telling a full disk from other failures, as a recorder exit is classified. */
  freeBytes(): number | null;
  lowSpaceBytes: number;
}

/** Null: record. A failure: the stream cannot be opened, so no recorder is started for it. */
export type ProbeVerdict = Failure | null;

export class StreamChoice {
  audio: AudioDecision = { mode: 'copy', note: null, codec: null, refused: [] };
  videoCodec: string | null = null;
  private probedUrl: string | null = null;
  private lastRunRecorded = false;

  constructor(private readonly o: StreamChoiceOptions) {}

  /** Before a run on `url`: probes when it has to; a failure means do not start the recorder. */
  async beforeRun(url: string, runStartMs: number): Promise<ProbeVerdict> {
    if (this.probedUrl === url && this.lastRunRecorded) return null;
    const probed = await (this.o.probe ?? probeStream)(url, this.o.ioTimeoutSeconds);
    this.probedUrl = probed.ok ? url : null;
    if (probed.ok) {
      this.audio = nextAudioPlan(this.audio, probed.streams.audio);
      this.videoCodec = probed.streams.video?.codec ?? null;
      return null;
    }
    if (probed.timedOut) return { kind: 'unreachable', detail: `the camera did not describe its stream within ${this.o.ioTimeoutSeconds + 5} s` };
    const failure = classifyExit({ code: probed.code, signal: null, errorLines: probed.errorLines, ranMs: Date.now() - runStartMs }, this.o.freeBytes(), this.o.lowSpaceBytes);
    // A camera that refuses here is not connected to a second time by the recorder just to fail the same way.
    if (failure.kind === 'auth' || failure.kind === 'not_found' || failure.kind === 'unreachable') return failure;
    // Anything else: the recorder's own run says best what is wrong.
    this.o.log.warn('could not read what the stream carries; recording with the last audio choice', { event: 'recorder.probe_failed', error: failure.detail });
    return null;
  }

  /** After a run: whether it recorded well decides if the next one may skip the probe. */
  runEnded(recordedWell: boolean): void {
    this.lastRunRecorded = recordedWell;
  }

  /** The run failed on its audio: the next mode down (copy, then AAC, then none); returns the refused one. */
  refuseAudio(reason: string): RecorderAudioMode {
    const refused = this.audio.mode;
    this.audio = nextAudioPlan({ ...this.audio, refused: [...this.audio.refused, refused] }, undefined, reason);
    return refused;
  }
}
