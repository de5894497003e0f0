/**
 * How a camera's audio is recorded, decided from what the stream says it carries
 * (src/recording/streamProbe.ts) and from what already failed with that codec. Audio
 * never stops video: when neither copying nor converting works, video is recorded alone
 * and the camera page says so.
 */
import type { RecorderAudioMode } from '../ffmpeg/args.ts';
import { audioCodecName, planAudio, type ProbedStreams } from './streamProbe.ts';

export interface AudioDecision {
  mode: RecorderAudioMode;
  /** For the camera page: what happens to the audio and why; null when it is kept as sent. */
  note: string | null;
  /** The camera's audio codec as ffmpeg names it, when known. */
  codec: string | null;
  /** Modes that made the recorder fail with this codec, so they are not tried again. */
  refused: RecorderAudioMode[];
}

const fallbackOrder: readonly RecorderAudioMode[] = ['copy', 'aac', 'none'];

/**
 * The next decision: from a fresh probe (`probed`, undefined when only a failure is being
 * applied) or after a run refused a mode (`refusal`, ffmpeg's reason).
 */
export function nextAudioPlan(previous: AudioDecision, probed: ProbedStreams['audio'] | null | undefined, refusal?: string): AudioDecision {
  // A new probe with another codec (new firmware, new settings) starts afresh.
  const codec = probed === undefined || probed === null ? previous.codec : probed.codec;
  const refused = probed && probed.codec !== previous.codec ? [] : previous.refused;
  if (probed === null && refusal === undefined) return { mode: 'none', note: 'The camera sends no audio.', codec: null, refused: [] };
  const wanted = probed ? planAudio(probed) : { mode: previous.mode, note: previous.note };
  if (!refused.includes(wanted.mode)) return { ...wanted, codec, refused };
  const mode = fallbackOrder.slice(fallbackOrder.indexOf(wanted.mode)).find((m) => !refused.includes(m)) ?? 'none';
  const what = codec ? `${audioCodecName(codec)} audio` : 'audio';
  const note =
    mode === 'aac'
      ? `The camera's ${what} cannot be stored as it is sent; Hearth converts it to AAC.`
      : `Audio is not recorded: ffmpeg could not record the camera's ${what}${refusal ? ` (${refusal})` : ''}. Video records normally.`;
  return { mode, note, codec, refused };
}
