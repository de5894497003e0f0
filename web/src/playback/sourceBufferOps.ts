/** SourceBuffer and buffered-range steps of MSE playback (mediaSourcePlayer.ts). */

/** Runs one SourceBuffer operation (append, remove) and resolves at its updateend. */
export function bufferOp(sb: SourceBuffer | null, op: (sb: SourceBuffer) => void): Promise<void> {
  if (!sb) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const detach = () => {
      sb.removeEventListener('updateend', done);
      sb.removeEventListener('error', failed);
    };
    const done = () => {
      detach();
      resolve();
    };
    const failed = () => {
      detach();
      reject(new Error('the browser rejected a piece of video'));
    };
    sb.addEventListener('updateend', done);
    sb.addEventListener('error', failed);
    try {
      op(sb);
    } catch (error) {
      detach();
      reject(error);
    }
  });
}

/** Media time t is inside a buffered range of the video (with a little room before its end). */
export function isBuffered(video: HTMLVideoElement, t: number): boolean {
  const ranges = video.buffered;
  for (let i = 0; i < ranges.length; i += 1) if (t >= ranges.start(i) && t < ranges.end(i) - 0.1) return true;
  return false;
}

/** currentTime at the end of a buffered range with a later one: jump over the gap. */
export function skipGap(video: HTMLVideoElement): void {
  const ranges = video.buffered;
  const t = video.currentTime;
  for (let i = 0; i < ranges.length; i += 1) {
    const start = ranges.start(i);
    if (start > t && (i === 0 || t >= ranges.end(i - 1) - 0.3)) {
      video.currentTime = start + 0.01;
      return;
    }
  }
}

/** The playhead is within a quarter second of the end of a buffered range that has a later one. */
export function nearGap(sb: SourceBuffer, t: number): boolean {
  let i = 0;
  while (i < sb.buffered.length && sb.buffered.end(i) <= t) i += 1;
  return i + 1 < sb.buffered.length && sb.buffered.end(i) - t < 0.25;
}
