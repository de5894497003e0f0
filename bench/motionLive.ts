/**
 * Scores motion on a live simulated camera: the production decoder path (RTSP sub stream,
 * wall-clock frame times via frameSource) into the detector and hysteresis, against the
 * simulator's ground truth for the same wall-clock span.
 */
import { startSimulator, type ScenePreset } from '../src/simulator/index.ts';
import { startFrameSource } from '../src/motion/frameSource.ts';
import { MotionDetector, type Rect } from '../src/motion/detector.ts';
import { EventTracker, defaultEventPolicy } from '../src/motion/events.ts';
import { scoreEvents, type SceneScore, type ScoredEvent, type TruthInterval } from '../test/helpers/eventScore.ts';
import { silentLogger } from '../src/log.ts';

/**
 * The simulator burns a frame code (a clock that changes every second) and the serial into
 * the top-left corner, like a camera's on-screen timestamp; Hearth is told to ignore it
 * with a mask, as a homeowner would mask their camera's clock.
 */
export const simulatorOsdMask: Rect = { x: 0, y: 0, w: 0.7, h: 0.12 };

export interface LiveSceneResult {
  scene: ScenePreset;
  observedMs: number;
  truth: TruthInterval[];
  events: ScoredEvent[];
  score: SceneScore;
}

export async function runLiveScene(scene: ScenePreset, observeMs: number, sensitivity = 50): Promise<LiveSceneResult> {
  const simulator = await startSimulator({ cameras: 1, scene, serialPrefix: `MOT${scene.slice(0, 3).toUpperCase()}` });
  try {
    const camera = simulator.cameras[0]!;
    const tracker = new EventTracker(defaultEventPolicy);
    const events: ScoredEvent[] = [];
    let detector: MotionDetector | null = null;
    let firstFrameMs = 0;
    let lastFrameMs = 0;
    const source = startFrameSource({
      cameraId: `bench-${scene}`,
      inputUrl: camera.rtspUrl('sub', true),
      fps: 5,
      width: 320,
      log: silentLogger,
      onFrame: (frame, format, wallMs) => {
        detector ??= new MotionDetector({ width: format.width, height: format.height, fps: 5, sensitivity, masks: [simulatorOsdMask] });
        if (firstFrameMs === 0) firstFrameMs = wallMs;
        lastFrameMs = wallMs;
        if (tracker.observe(wallMs, detector.process(frame)) === 'ended') events.push(copy(tracker));
      },
    });
    await new Promise((r) => setTimeout(r, observeMs));
    await source.stop();
    if (tracker.finish()) events.push(copy(tracker));
    // Score only what was watched whole: from two seconds after the first frame (the
    // background model's warm-up) to the last frame.
    const from = firstFrameMs + 2_000;
    const truth = camera.groundTruth().intervals.filter((t) => t.startMs >= from && t.endMs <= lastFrameMs);
    const scored = events.filter((e) => e.lastMotionMs >= from);
    const observedMs = Math.max(0, lastFrameMs - from);
    return { scene, observedMs, truth, events: scored, score: scoreEvents(scored, truth, observedMs, 1_000) };
  } finally {
    await simulator.stop();
  }
}

function copy(tracker: EventTracker): ScoredEvent {
  return { firstMotionMs: tracker.event.firstMotionMs, lastMotionMs: tracker.event.lastMotionMs, detectedAtMs: tracker.event.detectedAtMs };
}
