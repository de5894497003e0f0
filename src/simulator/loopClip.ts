/**
 * The simulator's cheap 'loop' media mode: a few seconds of one camera's scene, rendered
 * once and cached under the temp dir, which the encoder then sends on a loop by stream
 * copy. Thirty-two live encoders (about 8.6 % of a core each) overload a 2-core box; thirty-
 * two stream copies do not. Each clip carries its camera's burnt-in serial and frame code.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simulatorClipArgs } from './ffmpegArgs.ts';
import { ffmpegPathSync } from '../ffmpeg/locate.ts';
import { sceneFilterGraph, sceneRender, type SceneScript } from './scene.ts';

/** Two GOPs: the shortest loop whose keyframes keep Hearth's 10-s segments cutting cleanly. */
export const loopClipSeconds = 4;
const loopClipBitrateKbps = 600;
const renderTimeoutMs = 120_000;
/** Bump when the clip's content or encoding changes, so cached clips are rebuilt. */
const clipVersion = 1;

export const loopClipDir = path.join(os.tmpdir(), 'hearth-sim-clips');

export async function ensureLoopClip(input: { serial: string; cameraCode: number; script: SceneScript; background: string }): Promise<string> {
  const file = path.join(loopClipDir, `${input.serial}-${input.script.preset}-v${clipVersion}.mp4`);
  if (existsSync(file)) return file;
  mkdirSync(loopClipDir, { recursive: true });
  const partial = `${file}.${process.pid}.partial.mp4`;
  const args = simulatorClipArgs({
    renderWidth: sceneRender.width,
    renderHeight: sceneRender.height,
    fps: sceneRender.fps,
    gopFrames: sceneRender.gopFrames,
    background: input.background,
    filterGraph: sceneFilterGraph({ script: input.script, serial: input.serial, cameraCode: input.cameraCode, phaseSec: 0, clockAtZeroSec: (Date.now() / 1000) % 2 ** 24 }),
    keep: 'sub',
    discard: ['main'],
    bitrateKbps: loopClipBitrateKbps,
    seconds: loopClipSeconds,
    file: partial,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(ffmpegPathSync(), args, { timeout: renderTimeoutMs, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`could not render the loop clip of ${input.serial}: ${String(stderr).trim() || error.message}`));
        else resolve();
      });
    });
    // Rename is atomic: two processes rendering the same clip both end with a whole file.
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  return file;
}
