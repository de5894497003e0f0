/**
 * Why a recorder run ended, from ffmpeg's level-tagged error lines (structured by
 * `-loglevel level`) with a filesystem fallback: a full disk is confirmed by statfs,
 * not only by the words "No space left on device".
 */
import type { RecorderExit } from '../recorderProcess.ts';

export type FailureKind = 'auth' | 'disk_full' | 'audio_unsupported' | 'not_found' | 'unreachable' | 'dropped' | 'stopped';

export interface Failure {
  kind: FailureKind;
  detail: string;
}

export function classifyExit(exit: RecorderExit, freeBytes: number | null, lowSpaceBytes: number): Failure {
  const text = exit.errorLines.join('\n');
  // Without the "[rtsp @ 0x55…] [error]" tags: the words are ffmpeg's own reason, shown to the homeowner.
  const last = exit.errorLines.at(-1)?.replace(/^(\[[^\]]* @ [^\]]*\]\s*)?\[\w+\]\s*/, '') ?? '';
  // AVERROR_HTTP_UNAUTHORIZED's text, and rtsp.c's "method DESCRIBE failed: 401".
  if (/401 Unauthorized|failed: 401|authorization failed/i.test(text)) return { kind: 'auth', detail: last };
  if (/No space left on device/i.test(text) || (freeBytes !== null && freeBytes < lowSpaceBytes)) {
    return { kind: 'disk_full', detail: last || 'the recording disk is full' };
  }
  // The container refused the audio, or no decoder/encoder for it: never a reason to lose the video.
  const audioLine = exit.errorLines.find((line) =>
    /Could not find tag for codec|codec not currently supported in container|Decoder \(codec [^)]*\) not found for input stream #\d+:[1-9]|Error while opening (de|en)coder for (input|output) stream #\d+:[1-9]/i.test(line),
  );
  if (audioLine) return { kind: 'audio_unsupported', detail: audioLine.replace(/^(\[[^\]]* @ [^\]]*\]\s*)?\[\w+\]\s*/, '') };
  if (/404 Not Found|failed: 404/i.test(text)) return { kind: 'not_found', detail: last };
  if (/Invalid data found/i.test(text) && !/Connection refused|timed out|No route to host|Network is unreachable/i.test(text)) {
    // Something answered, but not with an RTSP stream ffmpeg can read: a wrong port or path, or a camera that hangs up.
    return { kind: 'unreachable', detail: `${last}: the address answered but sent no readable video; check the port and path of the stream URL` };
  }
  if (/Connection refused|Connection timed out|No route to host|timed out|Network is unreachable|Immediate exit/i.test(text)) {
    return { kind: 'unreachable', detail: explainUnreachable(text, last) };
  }
  if (exit.signal !== null) return { kind: 'dropped', detail: `the recorder (ffmpeg) was killed by ${exit.signal}` };
  if (exit.code === 0 || exit.code === null) return { kind: 'dropped', detail: last || 'the camera closed the stream' };
  return { kind: 'unreachable', detail: last || `ffmpeg exited with code ${exit.code}` };
}

/** ffmpeg's own words, kept, after a sentence that says what they mean for the homeowner. */
function explainUnreachable(text: string, last: string): string {
  if (/Connection refused/i.test(text)) return `nothing accepts connections at the stream's address and port (${last}); check that the camera is on and the port in the stream URL`;
  if (/No route to host|Network is unreachable/i.test(text)) return `this box has no route to the camera's address (${last}); check that the camera is on the same network and its address has not changed`;
  if (/timed out/i.test(text)) return `the camera did not answer in time (${last}); check that it is powered and on the network`;
  return last;
}
