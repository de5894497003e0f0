/**
 * docs/DESIGN.md, "Nothing lost": two cameras recorded for 60 s give contiguous segments, the
 * indexed duration matches wall time, every file plays, and camera A's files hold only
 * camera A's picture. Also measures segment gaps and CPU against a bare `ffmpeg -c copy`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { startRecorders } from '../../src/recording/startRecorders.ts';
import { listSegments } from '../../src/recording/segmentRows.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';
import { execFileSync } from 'node:child_process';
import { startSimulator } from '../../src/simulator/index.ts';
import { cameraCodeForSerial, readFrameCode } from '../../src/simulator/frameCode.ts';
import { silentLogger } from '../../src/log.ts';
import { playsWithFfprobe } from '../helpers/recordingTestCamera.ts';
import { makeFixture, sleep, waitFor } from '../helpers/recordingFixture.ts';
import { childPids, commandLine, processCpuMs } from '../helpers/processCpu.ts';

const recordMs = Number(process.env.HEARTH_TEST_RECORD_MS ?? 60_000);

test('two cameras × 60 s: contiguous, complete, playable, each camera its own picture', { timeout: 180_000 }, async () => {
  const simulator = await startSimulator({ cameras: 2, audio: true, maxSessions: 4, log: silentLogger });
  const [camA, camB] = simulator.cameras as [(typeof simulator.cameras)[number], (typeof simulator.cameras)[number]];
  const fixture = makeFixture([
    { id: 'alpha', url: camA.rtspUrl('main', true) },
    { id: 'bravo', url: camB.rtspUrl('main', true) },
  ]);
  const bareDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bare-'));
  try {
    const recorders = await startRecorders({ db: fixture.db, config: fixture.config, log: fixture.log, dataDir: fixture.dataDir });
    await waitFor('both cameras recording', () => recorders.states().every((s) => s.state === 'recording'), 30_000);

    // The comparison: a bare ffmpeg -c copy of camera alpha's stream into segments, same window.
    const bare = spawn(ffmpegPathSync(), ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', camA.rtspUrl('main', true), '-map', '0', '-c', 'copy', '-f', 'segment', '-segment_time', '10', path.join(bareDir, '%03d.ts')], { stdio: 'ignore' });
    const recorderPids = childPids(process.pid).filter((pid) => commandLine(pid).includes('pipe:3'));
    const cpuBefore = { node: process.cpuUsage(), recorders: recorderPids.map((p) => processCpuMs(p) ?? 0), bare: 0 };
    await sleep(recordMs);
    const node = process.cpuUsage(cpuBefore.node);
    const recordersCpuMs = recorderPids.map((p, i) => (processCpuMs(p) ?? 0) - (cpuBefore.recorders[i] ?? 0));
    const bareCpuMs = processCpuMs(bare.pid ?? -1) ?? 0;
    bare.kill('SIGINT');
    const stopAtMs = Date.now();
    await recorders.stop();

    const root = recordingRoot(fixture.dataDir);
    const gaps: number[] = [];
    for (const [cameraId, serial] of [['alpha', camA.serial], ['bravo', camB.serial]] as const) {
      const segments = listSegments(fixture.db, cameraId);
      assert.ok(segments.length >= Math.floor(recordMs / 10_000), `${cameraId}: ${segments.length} segments`);
      for (let i = 1; i < segments.length; i++) {
        const gap = segments[i]!.startMs - segments[i - 1]!.endMs;
        gaps.push(gap);
        assert.ok(gap >= 0 && gap <= 1000, `${cameraId}: gap of ${gap} ms before segment ${i}`);
      }
      const totalMs = segments.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
      const wallMs = stopAtMs - segments[0]!.startMs;
      assert.ok(Math.abs(totalMs - wallMs) <= 2000, `${cameraId}: indexed ${totalMs} ms vs wall ${wallMs} ms`);
      for (const s of segments) {
        const file = path.join(root, s.path);
        const probe = playsWithFfprobe(file);
        assert.ok(probe.ok, `${s.path} does not play: ${probe.error}`);
        // Row times come from the stream: they must agree with the file's own duration.
        assert.ok(Math.abs(probe.durationSeconds * 1000 - (s.endMs - s.startMs)) < 700, `${s.path}: file ${probe.durationSeconds}s vs row ${s.endMs - s.startMs}ms`);
        const code = frameCodeOf(file);
        assert.equal(code, cameraCodeForSerial(serial), `${s.path} shows camera code ${code}, not ${serial}'s`);
      }
      const durations = segments.slice(1, -1).map((s) => s.endMs - s.startMs);
      console.log(`# ${cameraId}: ${segments.length} segments, total ${totalMs} ms over ${wallMs} ms wall, inner durations ${Math.min(...durations)}–${Math.max(...durations)} ms`);
    }
    // Staggered rotation: the two cameras do not switch files in the same second.
    const switchTimes = (id: string): number[] => listSegments(fixture.db, id).slice(1).map((s) => s.startMs);
    const closest = Math.min(...switchTimes('alpha').flatMap((a) => switchTimes('bravo').map((b) => Math.abs(a - b))));
    assert.ok(closest >= 1000, `cameras rotated within ${closest} ms of each other`);

    const seconds = recordMs / 1000;
    const nodeCpuMs = (node.user + node.system) / 1000;
    console.log(`# gaps: n=${gaps.length} min=${Math.min(...gaps)} max=${Math.max(...gaps)} mean=${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(1)} ms`);
    console.log(`# CPU over ${seconds} s: Hearth node ${nodeCpuMs.toFixed(0)} ms (whole test process: 2 cameras + the 2 simulated cameras' RTSP servers), recorder ffmpeg ${recordersCpuMs.map((c) => c.toFixed(0)).join(' + ')} ms, bare ffmpeg -c copy ${bareCpuMs.toFixed(0)} ms (1 camera)`);
    console.log(`# per camera: Hearth ${(((nodeCpuMs + recordersCpuMs.reduce((a, b) => a + b, 0)) / 2 / recordMs) * 100).toFixed(2)} % of a core vs bare ${((bareCpuMs / recordMs) * 100).toFixed(2)} %`);
    console.log(`# audio: ${recorders.states().map((st) => `${st.cameraId}=${st.audio}`).join(' ')}`);
  } finally {
    fixture.cleanup();
    rmSync(bareDir, { recursive: true, force: true });
    await simulator.stop();
  }
});

/** The burnt-in camera code of a file's first frame (simulator frame code, read from gray8). */
function frameCodeOf(file: string): number | null {
  const gray = execFileSync(ffmpegPathSync(), ['-hide_banner', '-loglevel', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { timeout: 20_000, maxBuffer: 4 * 1024 * 1024 });
  return readFrameCode(gray, 1280, 720)?.cameraCode ?? null;
}
