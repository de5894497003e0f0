/**
 * Reconnect storm (README, "Performance"): 32 simulated cameras recorded by the real `hearth start`
 * all lose power and come back at the same instant. Measured: time until all 32 record
 * again (first fragment of a new connection, from /metrics), the peak number of RTSP
 * connection attempts and ONVIF requests in flight at the cameras at once, and segments
 * filed under the wrong camera, read from the serial code burnt into their frames (must be 0).
 *
 * 32 live encoders would need about 2.8 cores, so the simulator runs in its 'loop' media
 * mode: each camera's 640x360 scene (own serial) is rendered once and sent by stream copy.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqlite } from '../src/db/sqlite.ts';
import { ffmpegPathSync } from '../src/ffmpeg/locate.ts';
import { recordingRoot } from '../src/recording/layout.ts';
import { cameraCodeForSerial, readFrameCode } from '../src/simulator/index.ts';
import { resetConnectionCounters } from '../src/simulator/connectionGauge.ts';
import { round, type BenchOptions, type BenchRow, type BenchSection } from './report.ts';
import { rigCameraId, startHearthRig, type HearthRig } from './lib/hearthRig.ts';
import { pollUntil, sleep } from './lib/timing.ts';

const cameraCount = 32;
/** How long the cameras stay dark: a short power blip; cameras that reboot take longer. */
const downMs = 10_000;
const frameWidth = 640;
const frameHeight = 360;

interface Check {
  segments: number;
  framesRead: number;
  unreadableSegments: number;
  wrongCamera: Array<{ cameraId: string; path: string; codes: number[] }>;
}

export async function run(options: BenchOptions): Promise<BenchSection> {
  const started = performance.now();
  const rig = await startHearthRig({ cameras: cameraCount, media: 'loop', serialPrefix: 'HSTORM', segmentSeconds: 10, log: options.log });
  try {
    options.log(`storm: waiting for all ${cameraCount} cameras to record`);
    const firstAllMs = await timeUntilAllRecording(rig, 180_000);
    if (firstAllMs === null) throw new Error(`not all ${cameraCount} cameras recorded within 180 s of start: ${await stateSummary(rig)}`);
    options.log(`storm: all recording ${round(firstAllMs / 1000, 1)} s after hearth listened; settling`);
    await sleep(3_000);

    const counters = rig.simulator.connections;
    resetConnectionCounters(counters);
    const stateChanges = watchStates(rig);
    options.log(`storm: all ${cameraCount} cameras down for ${downMs / 1000} s, then back at once`);
    const downAtMs = Date.now();
    await rig.simulator.stormRestart(downMs);
    const upAtMs = Date.now();
    const t0 = performance.now();
    const allBack = await pollUntil(async () => (await recordingCount(rig)) === cameraCount, 180_000, 250);
    const recoverMs = performance.now() - t0;
    const peak = { rtsp: counters.rtspAttempts.peak, onvif: counters.onvifRequests.peak, any: counters.any.peak };
    const totals = { rtsp: counters.rtspAttempts.total, onvif: counters.onvifRequests.total };
    const transitions = stateChanges.stop();
    if (!allBack) throw new Error(`not all cameras recorded again within 180 s after the storm: ${await stateSummary(rig)}`);
    options.log(`storm: all recording again ${round(recoverMs / 1000, 1)} s after power returned; checking whose pictures were filed where`);

    // Checked: the segment the outage cut short and the first one after it, for every camera
    // (the first after is where a mix-up at reconnect would land), once it is closed and indexed.
    await pollUntil(() => segmentsAfter(rig, upAtMs, 1).length === cameraCount, 90_000, 1_000);
    const check = await checkIdentities(rig, segmentsAfter(rig, downAtMs - 10_000, 2));
    const mismatchLogs = (rig.output().match(/"event":"camera\.identity_mismatch"/g) ?? []).length;

    const rows: BenchRow[] = [
      {
        section: 'storm',
        metric: `time until all ${cameraCount} cameras record again after a ${downMs / 1000}-s outage`,
        value: round(recoverMs / 1000, 2),
        unit: 's',
        note: `from power back to the first fragment of the last camera; initial start took ${round(firstAllMs / 1000, 1)} s; backoff 1 s base, 15 s cap, full jitter`,
      },
      {
        section: 'storm',
        metric: 'peak concurrent connection attempts at the cameras (RTSP + ONVIF)',
        value: peak.any,
        unit: 'count',
        note: `peak RTSP ${peak.rtsp} (accept to PLAY), peak ONVIF ${peak.onvif} (request to answer); ${totals.rtsp} RTSP connections and ${totals.onvif} ONVIF requests during the storm; refused connects while dark are not seen by the cameras`,
      },
      {
        section: 'storm',
        metric: 'segments recorded under the wrong camera',
        value: check.wrongCamera.length,
        unit: 'count',
        target: '= 0',
        met: check.wrongCamera.length === 0 && check.unreadableSegments === 0,
        note: `${check.segments} segments around the storm (cut short + first after, per camera) checked by the serial burnt into ${check.framesRead} keyframes` +
          (check.unreadableSegments > 0 ? `; ${check.unreadableSegments} had no readable code` : '') +
          `; identity_mismatch logged ${mismatchLogs} times`,
      },
    ];
    return {
      section: 'storm',
      rows,
      details: { cameras: cameraCount, distinctSerialCodes: new Set(rig.simulator.cameras.map((c) => c.cameraCode)).size, downMs, media: 'loop 640x360 15 fps, stream copy', firstAllRecordingMs: round(firstAllMs), recoverMs: round(recoverMs), peak, totals, transitions, check, mismatchLogs, wallSeconds: round((performance.now() - started) / 1000, 1) },
    };
  } finally {
    await rig.stop();
  }
}

/** Cameras recording now; -1 when /metrics did not answer in time (an overloaded box): poll again. */
async function recordingCount(rig: HearthRig): Promise<number> {
  try {
    const states = await rig.states();
    return rig.cameraIds.filter((id) => states.get(id) === 'recording').length;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') return -1;
    throw error;
  }
}

async function timeUntilAllRecording(rig: HearthRig, timeoutMs: number): Promise<number | null> {
  const t0 = performance.now();
  return (await pollUntil(async () => (await recordingCount(rig)) === rig.cameraIds.length, timeoutMs, 500)) ? performance.now() - t0 : null;
}

async function stateSummary(rig: HearthRig): Promise<string> {
  const counts = new Map<string, number>();
  for (const state of (await rig.states()).values()) counts.set(state, (counts.get(state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}

/** Counts every state a camera passes through while the storm runs (polled every 250 ms). */
function watchStates(rig: HearthRig): { stop(): Record<string, number> } {
  const last = new Map<string, string>();
  const seen: Record<string, number> = {};
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    rig
      .states()
      .then((states) => {
        for (const [camera, state] of states) {
          if (last.get(camera) !== state) seen[state] = (seen[state] ?? 0) + 1;
          last.set(camera, state);
        }
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, 250);
  return {
    stop: () => {
      clearInterval(timer);
      return seen;
    },
  };
}

interface SegmentRef {
  cameraId: string;
  path: string;
  startMs: number;
}

/** The first `perCamera` indexed segments of each camera that start after `afterMs`. */
function segmentsAfter(rig: HearthRig, afterMs: number, perCamera: number): SegmentRef[] {
  const db = openSqlite(rig.dbFile);
  try {
    const select = db.prepare('SELECT camera_id AS cameraId, path, start_ms AS startMs FROM segments WHERE camera_id = ? AND start_ms > ? ORDER BY start_ms LIMIT ?');
    return rig.cameraIds.flatMap((id) => select.all(id, afterMs, perCamera) as SegmentRef[]);
  } finally {
    db.close();
  }
}

/** Decodes the keyframes of each segment (one per 2 s) and reads whose serial each carries. */
async function checkIdentities(rig: HearthRig, segments: SegmentRef[]): Promise<Check> {
  const expected = new Map(rig.simulator.cameras.map((c) => [rigCameraId(c.index), cameraCodeForSerial(c.serial)]));
  const check: Check = { segments: segments.length, framesRead: 0, unreadableSegments: 0, wrongCamera: [] };
  const root = recordingRoot(rig.dataDir);
  for (const segment of segments) {
    const codes = await frameCodes(path.join(root, segment.path));
    check.framesRead += codes.length;
    if (codes.length === 0) check.unreadableSegments += 1;
    const want = expected.get(segment.cameraId);
    if (codes.some((code) => code !== want)) check.wrongCamera.push({ cameraId: segment.cameraId, path: segment.path, codes: [...new Set(codes)] });
  }
  return check;
}

function frameCodes(file: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(
      ffmpegPathSync(),
      ['-v', 'error', '-skip_frame', 'nokey', '-i', file, '-fps_mode', 'passthrough', '-vf', `scale=${frameWidth}:${frameHeight}`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout) => {
        if (error) return reject(new Error(`ffmpeg could not decode ${file}: ${error.message}`));
        const size = frameWidth * frameHeight;
        const codes: number[] = [];
        for (let offset = 0; offset + size <= stdout.length; offset += size) {
          const code = readFrameCode(stdout.subarray(offset, offset + size), frameWidth, frameHeight);
          if (code) codes.push(code.cameraCode);
        }
        resolve(codes);
      },
    );
  });
}

// `node --import tsx bench/storm.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await run({ quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(section, null, 2)}\n`);
}
