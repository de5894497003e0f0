/**
 * Export: stream-copies the segments of a time range into one MP4 (ffmpeg concat demuxer,
 * no re-encoding). The file list is built from rows already resolved inside the recording
 * root and is written to ffmpeg's stdin, never to a temporary file.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { exportConcatArgs } from '../ffmpeg/args.ts';
import { adoptChild, discardedOutputGraceMs, type Child } from '../ffmpeg/child.ts';

export interface ExportPiece {
  /** Absolute path, already confirmed inside the recording root. */
  file: string;
  /** Seconds into the file to start at (first piece), or null. */
  inpointSec: number | null;
  /** Seconds into the file to stop at (last piece), or null. */
  outpointSec: number | null;
}

/** The concat demuxer's list. `file:` keeps ffmpeg from reading names as other protocols. */
export function concatList(pieces: readonly ExportPiece[]): string {
  const lines: string[] = [];
  for (const piece of pieces) {
    lines.push(`file '${('file:' + piece.file).replace(/'/g, "'\\''")}'`);
    if (piece.inpointSec !== null) lines.push(`inpoint ${piece.inpointSec.toFixed(3)}`);
    if (piece.outpointSec !== null) lines.push(`outpoint ${piece.outpointSec.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

export type ExportProcess = ChildProcessByStdio<Writable, Readable, Readable>;

export function startExport(ffmpegPath: string, pieces: readonly ExportPiece[]): Child<ExportProcess> {
  const child = adoptChild(spawn(ffmpegPath, exportConcatArgs(), { stdio: ['pipe', 'pipe', 'pipe'] }), { lines: 20, lineChars: 300 });
  child.process.stdin.end(concatList(pieces));
  return child;
}

/**
 * A cancelled or revoked download: ffmpeg is stopped (it writes its trailer first), and
 * its output keeps draining meanwhile, or it would block for ever on a pipe nobody reads
 * (and hold an export slot).
 */
export function stopExport(child: Child<ExportProcess>): void {
  if (!child.running()) return;
  child.process.stdout.unpipe();
  child.process.stdout.resume();
  void child.stop(discardedOutputGraceMs);
}
